# Read a gsi_events release in R, from its CSV files, with the column types its
# datapackage.json declares (Date, integer, logical, character) and each file's sha256
# checked first. Needs only base R and the jsonlite, readr and digest packages (all
# packaged by Debian: r-cran-jsonlite, r-cran-readr, r-cran-digest).
#
#   source("r/read_gsi_events.R")
#   events <- read_gsi_events("releases/v1.0.0", "events")
#   gsi_tables("releases/v1.0.0")   # the table names

gsi_resource <- function(release, table) {
  dp <- jsonlite::fromJSON(file.path(release, "datapackage.json"), simplifyVector = FALSE)
  for (r in dp$resources) {
    if (identical(r$name, paste0(table, "-csv"))) return(r)
  }
  stop(sprintf("%s has no CSV table %s (a release from before CSV files, or no such table)",
               release, table), call. = FALSE)
}

gsi_tables <- function(release) {
  dp <- jsonlite::fromJSON(file.path(release, "datapackage.json"), simplifyVector = FALSE)
  names <- vapply(dp$resources, function(r) r$name, "")
  sub("-csv$", "", names[grepl("-csv$", names)])
}

gsi_col_type <- function(type) {
  switch(type,
         string = readr::col_character(),
         integer = readr::col_integer(),
         number = readr::col_double(),
         boolean = readr::col_logical(),
         date = readr::col_date(format = "%Y-%m-%d"),
         stop(sprintf("no R type for the Table Schema type %s", type), call. = FALSE))
}

read_gsi_events <- function(release, table = "events") {
  r <- gsi_resource(release, table)
  path <- file.path(release, r$path)
  expected <- sub("^sha256:", "", r$hash)
  actual <- digest::digest(path, algo = "sha256", file = TRUE)
  if (!identical(actual, expected)) {
    stop(sprintf("%s: sha256 is %s, but datapackage.json records %s; the file differs from the one published",
                 path, actual, expected), call. = FALSE)
  }
  fields <- r$schema$fields
  types <- lapply(fields, function(f) gsi_col_type(if (is.null(f$type)) "string" else f$type))
  names(types) <- vapply(fields, function(f) f$name, "")
  out <- readr::read_csv(path, col_types = do.call(readr::cols, types), na = "",
                         locale = readr::locale(encoding = "UTF-8"), progress = FALSE,
                         trim_ws = FALSE)
  problems <- readr::problems(out)
  if (nrow(problems) > 0) {
    stop(sprintf("%s: %d values do not have the declared type (first: row %d, column %d, %s)",
                 path, nrow(problems), problems$row[1], problems$col[1], problems$actual[1]),
         call. = FALSE)
  }
  as.data.frame(out)
}
