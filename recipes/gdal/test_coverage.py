"""GDAL's optional drivers and encodings, each through a real file: written, read back, checked.

Run in the test venv with gdal's tools on PATH; exits non-zero naming the first failure.
"""

import json
import os
import subprocess
import sys
import zipfile


def run(*cmd: str) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace")
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout + done.stderr


def expect(text: str, *needles: str, what: str) -> None:
    for needle in needles:
        if needle not in text:
            sys.exit(f"{what}: {needle!r} not in the output:\n{text[:3000]}")


def features(name: str, rows: list[tuple[str, float, float]]) -> str:
    path = f"{name}.geojson"
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "name": name, "features": [
            {"type": "Feature", "properties": {"name": n, "rank": i + 1},
             "geometry": {"type": "Point", "coordinates": [x, y]}} for i, (n, x, y) in enumerate(rows)]}, f,
            ensure_ascii=False)
    return path


# 1. Shapefiles in legacy encodings (iconv): written in the encoding, read back as UTF-8
for encoding, codec, rows in (
        ("WINDOWS-1252", "cp1252", [("Besançon", 6.02, 47.24), ("Zürich €", 8.54, 47.37)]),
        ("LATIN1", "latin-1", [("Nîmes", 4.36, 43.84), ("Köln", 6.96, 50.94)]),
        ("GB18030", "gb18030", [("北京", 116.4, 39.9), ("上海", 121.47, 31.23)]),
        ("GB2312", "gb2312", [("广州", 113.26, 23.13)])):
    src = features(f"enc_{codec}", rows)
    shp = f"enc_{codec}.shp"
    run("ogr2ogr", "-lco", f"ENCODING={encoding}", shp, src)
    dbf = open(shp[:-4] + ".dbf", "rb").read()
    for name, _, _ in rows:
        if name.encode(codec) not in dbf:
            sys.exit(f"{shp}: {name!r} is not stored as {encoding} in the .dbf")
    back = run("ogrinfo", "-ro", "-al", shp)
    expect(back, *(f"name (String) = {n}" for n, _, _ in rows), what=f"{shp} read back")
    run("ogr2ogr", "-f", "GeoJSON", f"{shp}.json", shp)  # and converted on (what fio load does)
    expect(open(f"{shp}.json", encoding="utf-8").read(), *(n for n, _, _ in rows), what=f"{shp} to GeoJSON")

# 2. vector drivers that need expat, sqlite, spatialite, freexl, libxml2
pts = features("cities", [("Paris", 2.35, 48.86), ("Lyon", 4.84, 45.76), ("Lille", 3.06, 50.63)])
for driver, out in (("XLSX", "c.xlsx"), ("ODS", "c.ods"), ("GML", "c.gml"), ("GPX", "c.gpx"), ("KML", "c.kml"),
                    ("MapML", "c.mapml"), ("DXF", "c.dxf"), ("JML", "c.jml"),
                    ("FlatGeobuf", "c.fgb"), ("GeoJSONSeq", "c.geojsons"), ("CSV", "c.csv"),
                    ("SQLite", "c.sqlite"), ("GPKG", "c.gpkg"), ("OpenFileGDB", "c.gdb"), ("MVT", "c_mvt")):
    # DXF takes only its own fields (3.13 refuses any other): the name goes in as its Text
    extra = {"GPX": ["-nlt", "POINT", "-dsco", "GPX_USE_EXTENSIONS=YES"], "CSV": ["-lco", "GEOMETRY=AS_XY"],
             "MVT": ["-dsco", "MAXZOOM=2"], "MapML": ["-t_srs", "EPSG:3857"],
             "DXF": ["-sql", "SELECT name AS Text FROM cities"]}.get(driver, [])
    run("ogr2ogr", "-f", driver, *extra, out, pts)
    if driver == "MVT":  # a folder of tiles: the world's one tile at zoom 0 holds all three
        out = os.path.join(out, "0", "0", "0.pbf")
    info = run("ogrinfo", "-ro", "-al", "-so", out)
    if driver not in ("DXF", "MapML"):
        expect(info, "Feature Count: 3", what=f"{driver} {out}")
zipfile.ZipFile("c.xlsx").testzip()
sp = run("ogr2ogr", "-f", "SQLite", "-dsco", "SPATIALITE=YES", "sp.sqlite", pts)
info = run("ogrinfo", "-ro", "sp.sqlite", "-sql",
           "SELECT spatialite_version() AS v, ST_Area(ST_Buffer(GEOMETRY, 1.0)) AS a, "
           "ST_AsText(ST_Transform(GEOMETRY, 3857)) AS m FROM cities WHERE name = 'Paris'")
expect(info, "v (String) =", "a (Real) = 3.1", "m (String) = POINT(26", what="SpatiaLite SQL functions")
with open("tiny.osm", "w", encoding="utf-8") as f:
    f.write("<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6' generator='wheelfarm'>\n"
            "<node id='1' lat='48.85' lon='2.35' version='1'><tag k='amenity' v='cafe'/><tag k='name' v='Café'/></node>\n"
            "<node id='2' lat='48.86' lon='2.36' version='1'/>\n"
            "<way id='10' version='1'><nd ref='1'/><nd ref='2'/><tag k='highway' v='residential'/></way>\n</osm>\n")
expect(run("ogrinfo", "-ro", "-al", "-q", "tiny.osm"), "name (String) = Café", "highway (String) = residential",
       what="OSM driver")
run("ogr2ogr", "-f", "GPKG", "osm.gpkg", "tiny.osm", "lines")

# 3. raster drivers and TIFF codecs
run("gdal_create", "-of", "GTiff", "-outsize", "64", "64", "-bands", "3", "-ot", "Byte", "-burn", "10", "-burn", "120",
    "-burn", "200", "-a_srs", "EPSG:32631", "-a_ullr", "500000", "5000000", "500640", "4999360", "rgb.tif")
for codec in ("ZSTD", "LERC", "LERC_ZSTD", "LERC_DEFLATE", "WEBP", "LZMA", "DEFLATE", "JPEG", "LZW"):
    out = f"c_{codec}.tif"
    run("gdal_translate", "-q", "-co", f"COMPRESS={codec}", "rgb.tif", out)
    info = run("gdalinfo", "-stats", out)
    expect(info, f"COMPRESSION={codec}", what=f"GTiff {codec}")
    if codec not in ("JPEG", "WEBP"):  # lossless: the values survive
        expect(info, "Minimum=200.000, Maximum=200.000", what=f"GTiff {codec} values")
for driver, out, co in (("JP2OpenJPEG", "o.jp2", []), ("WEBP", "o.webp", []), ("GIF", "o.gif", []),
                        ("PNG", "o.png", []), ("JPEG", "o.jpg", []), ("PCIDSK", "o.pix", []), ("netCDF", "o.nc", []),
                        ("netCDF", "o4.nc", ["-co", "FORMAT=NC4"]), ("Zarr", "o.zarr", []), ("MRF", "o.mrf", []),
                        ("BMP", "o.bmp", []), ("NITF", "o.ntf", []), ("ERS", "o.ers", []),
                        ("GRIB", "o.grb2", []), ("PDF", "o.pdf", []), ("MBTiles", "o.mbtiles", [])):
    src = "rgb.tif"
    if driver in ("GIF",):
        run("gdal_translate", "-q", "-b", "1", "rgb.tif", "band1.tif")
        src = "band1.tif"
    if driver == "MBTiles":
        run("gdalwarp", "-q", "-t_srs", "EPSG:3857", "rgb.tif", "rgb3857.tif")
        src = "rgb3857.tif"
    run("gdal_translate", "-q", "-of", driver, *co, src, out)
    if driver != "PDF":
        expect(run("gdalinfo", out), f"Driver: {driver}/" if driver != "netCDF" else "Driver: netCDF/",
               what=f"{driver} {out}")
expect(run("gdalinfo", 'HDF5:"o4.nc"://Band1'), "Driver: HDF5Image/", what="HDF5 reading a NetCDF-4 file")
expect(run("gdalmdiminfo", "o4.nc"), '"Band1"', what="netCDF multidimensional")

# 4. the geographic network model (GNM), which GDAL's Python bindings wrap: a network in a folder
os.makedirs("gnm")
run("gnmmanage", "create", "-f", "GNMFile", "-t_srs", "EPSG:4326", "-dsco", "net_name=roads",
    "-dsco", "net_description=test", "gnm")
expect(run("gnmmanage", "info", os.path.join("gnm", "roads")), "Network name: roads.", what="GNM")
print("all checks passed")
