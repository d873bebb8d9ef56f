#!/usr/bin/env python3
"""Builds the bundled sample city in data/ from the real public data in ../shared/data.

Run once by a maintainer (the result is committed); kept so anyone can see and redo how
data/ was made. Only the standard library is used.

The address table: Chicago publishes no address point file with the data we have, so every
street address the city itself geocoded in its 311 files is taken as a real address point
(house number, direction, street, suffix, lon/lat). Where one address was geocoded several
times, the median longitude and latitude are kept. Addresses typed without a suffix
("4853 S WOOD") take it from the city's street name list when exactly one street fits.
"""
import csv
import glob
import os
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


if __name__ == "__main__":
    main()
