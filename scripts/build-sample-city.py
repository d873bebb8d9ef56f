#!/usr/bin/env python3
"""Builds the bundled sample city in data/ from the real public data in ../shared/data.

Run once by a maintainer (the result is committed); kept so anyone can see and redo how
data/ was made. Only the standard library is used.

The address table: Chicago publishes no address point file with the data we have, so every
street address the city itself geocoded in its 311 files is taken as a real address point
(house number, direction, street, suffix, lon/lat). Where one address was geocoded several
times, the median longitude and latitude are kept. Addresses typed without a suffix
("4853 S WOOD") take it from the city's street name list when exactly one street fits.

The request history (data/history/): the sanitation code complaints created in 2011-2013 and
each older per-type sample, as rows of their sources with the header spellings of the source,
keeping only the columns Samespot's request importer reads (CityRequestRecord). Two general
clean-ups, both needed by the importer or by what the files mean:
- a request number that a file lists more than once (the City's export has a few requests
  twice, nearly always differing only in the completion date) is kept once, at its first
  row, because the importer refuses a file that names a request twice;
- the older per-type files write every date as "YYYY-MM-DDT00:00:00" although they carry no
  time of day (SOURCES.md): a file whose every date is at midnight is written with dates only,
  as the sanitation file is, so the importer stores them with day precision.
"""
import csv
import glob
import os
import re
import shutil
import statistics
import sys

SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
OUT = os.path.join(os.path.dirname(__file__), "..", "data")
DIRECTIONS = {"N", "S", "E", "W"}


def load_streets():
    """(direction, street) -> list of (suffix, suffix direction) from the city's street list."""
    streets = {}
    full_names = {}
    with open(os.path.join(SHARED, "Chicago_Street_Names.csv"), newline="") as f:
        for row in csv.DictReader(f):
            d = row["Direction"].strip()
            s = row["Street "].strip()
            suf = row["Suffix"].strip()
            sd = row["Suffix Direction"].strip()
            streets.setdefault((d, s), []).append((suf, sd))
            full_names[row["Full Street Name"].strip()] = (d, s, suf, sd)
    return streets, full_names


def split_address(text, streets, full_names):
    """'4853 S WOOD' -> (4853, 'S', 'WOOD', 'ST', '') or None when it is not 'number street'."""
    tokens = text.upper().replace(",", " ").split()
    if len(tokens) < 2 or not tokens[0].isdigit():
        return None
    number = int(tokens[0])
    rest = tokens[1:]
    direction = rest[0] if rest[0] in DIRECTIONS and len(rest) > 1 else ""
    if direction:
        rest = rest[1:]
    name = " ".join(rest)
    full = f"{direction} {name}".strip()
    if full in full_names:
        return (number,) + full_names[full]
    options = streets.get((direction, name), [])
    if len(options) == 1:
        suf, sd = options[0]
        return (number, direction, name, suf, sd)
    # The last word is a suffix the city uses ("AVE", "ST"): keep it apart from the name.
    if len(rest) > 1:
        suffixes = {suf for opts in streets.values() for suf, _ in opts if suf}
        if rest[-1] in suffixes:
            return (number, direction, " ".join(rest[:-1]), rest[-1], "")
    return (number, direction, name, "", "")


def city_rows():
    """(street_address, zip, lon, lat, source) from every 311 file that carries the city's geocode."""
    path = os.path.join(SHARED, "chicago_311_2021-01-01.csv")
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            yield row["street_address"], row["zip_code"], row["longitude"], row["latitude"], "311-2021"
    with open(os.path.join(SHARED, "chicago_311_sanitation_2000-2013.csv"), newline="") as f:
        for row in csv.DictReader(f):
            yield row["Street_Address"], row["ZIP_Code"], row["Longitude"], row["Latitude"], "311-sanitation"
    for path in sorted(glob.glob(os.path.join(SHARED, "chicago_311_legacy_samples", "*.csv"))):
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                norm = {k.strip().upper(): v for k, v in row.items() if k}
                yield (norm.get("STREET ADDRESS", ""), norm.get("ZIP CODE", norm.get("ZIP", "")),
                       norm.get("LONGITUDE", ""), norm.get("LATITUDE", ""), "311-legacy")


def build_addresses(streets, full_names):
    points = {}
    for text, zip_code, lon, lat, source in city_rows():
        if not lon or not lat:
            continue
        parts = split_address(text, streets, full_names)
        if parts is None:
            continue
        key = parts
        entry = points.setdefault(key, {"lons": [], "lats": [], "zips": [], "source": source})
        entry["lons"].append(float(lon))
        entry["lats"].append(float(lat))
        if zip_code.strip():
            entry["zips"].append(zip_code.strip()[:5])
    rows = []
    for (number, direction, name, suffix, suffix_dir), e in points.items():
        zip_code = statistics.mode(e["zips"]) if e["zips"] else ""
        rows.append((number, "", direction, name, suffix, suffix_dir, zip_code,
                     round(statistics.median(e["lons"]), 7), round(statistics.median(e["lats"]), 7), e["source"]))
    rows.sort(key=lambda r: (r[3], r[2], r[4], r[0]))
    with open(os.path.join(OUT, "addresses.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["house_number", "house_number_suffix", "pre_direction", "street_name", "street_type",
                    "post_direction", "zip_code", "longitude", "latitude", "source"])
        w.writerows(rows)
    return len(rows)


# The columns CityRequestRecord reads, compared as its CSVHeader does (case, spaces, underscores
# and punctuation ignored): the request, its type, status, dates, place and the city's ward.
IMPORTER_COLUMNS = {
    "sr_number", "Service Request Number", "service_request_id",
    "sr_type", "Type of Service Request", "service_name", "sr_short_code", "service_code",
    "owner_department", "created_department", "agency_responsible", "status", "origin", "channel",
    "created_date", "Creation Date", "requested_datetime", "last_modified_date", "updated_datetime",
    "closed_date", "Completion Date", "street_address", "Street Address", "address",
    "zip_code", "ZIP Code", "ZIP", "longitude", "long", "latitude", "lat",
    "description", "What is the Nature of this Code Violation", "duplicate", "parent_sr_number", "ward",
}
REQUEST_ID_COLUMNS = {"srnumber", "servicerequestnumber", "servicerequestid"}
CREATED_COLUMNS = {"createddate", "creationdate", "requesteddatetime"}
DATE_COLUMNS = CREATED_COLUMNS | {"lastmodifieddate", "updateddatetime", "closeddate", "completiondate"}
HISTORY_YEARS = {"2011", "2012", "2013"}


def header_key(name):
    return re.sub(r"[^a-z0-9]", "", name.lower())


def write_history(src, dst, keep_row=lambda created: True):
    """Writes the rows of `src` that `keep_row` accepts (by creation date) to `dst`, with only the
    columns the importer reads; returns (rows written, repeated request numbers dropped)."""
    with open(src, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        keys = [header_key(h) for h in header]
        wanted = {header_key(c) for c in IMPORTER_COLUMNS}
        columns = [i for i, k in enumerate(keys) if k in wanted]
        id_col = next(i for i, k in enumerate(keys) if k in REQUEST_ID_COLUMNS)
        created_col = next(i for i, k in enumerate(keys) if k in CREATED_COLUMNS)
        date_cols = [i for i in columns if keys[i] in DATE_COLUMNS]
        rows, seen, repeated = [], set(), 0
        for row in reader:
            if not keep_row(row[created_col]):
                continue
            if row[id_col] in seen:
                repeated += 1
                continue
            seen.add(row[id_col])
            rows.append(row)
    dates = [row[i] for row in rows for i in date_cols if row[i]]
    if dates and all(len(d) == 19 and d.endswith("T00:00:00") for d in dates):
        for row in rows:
            for i in date_cols:
                row[i] = row[i][:10]
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with open(dst, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([header[i] for i in columns])
        w.writerows([row[i] for i in columns] for row in rows)
    return len(rows), repeated


def build_history():
    """data/history/: sanitation code complaints 2011-2013 and the older per-type samples."""
    written = {}
    written["sanitation-2011-2013.csv"] = write_history(
        os.path.join(SHARED, "chicago_311_sanitation_2000-2013.csv"),
        os.path.join(OUT, "history", "sanitation-2011-2013.csv"),
        keep_row=lambda created: created[:4] in HISTORY_YEARS)
    for path in sorted(glob.glob(os.path.join(SHARED, "chicago_311_legacy_samples", "*.csv"))):
        name = os.path.basename(path)
        written[name] = write_history(path, os.path.join(OUT, "history", name))
    return written


def main():
    os.makedirs(OUT, exist_ok=True)
    streets, full_names = load_streets()
    n = build_addresses(streets, full_names)
    copies = {
        "chicago_311_2021-01-01.csv": "requests-2021-01-01.csv",
        "Chicago_Street_Names.csv": "streets.csv",
        "munged-chicago-intersections.csv": "intersections.csv",
        "wards.geojson": "wards-2015.geojson",
        "ward-boundaries.geojson": "wards-2023.geojson",
        "chicago-wards.geojson": "wards-2003.geojson",
    }
    for src, dst in copies.items():
        shutil.copyfile(os.path.join(SHARED, src), os.path.join(OUT, dst))
    print(f"addresses.csv: {n} address points; copied {len(copies)} files")
    for name, (rows, repeated) in build_history().items():
        note = f" ({repeated} repeated request numbers dropped)" if repeated else ""
        print(f"history/{name}: {rows} requests{note}")


if __name__ == "__main__":
    main()
