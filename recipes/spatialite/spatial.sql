-- Each check raises "integer overflow" when it fails: sqlite3 -bail then exits non-zero.
.headers off
-- SQLite's shell (3.53 here; 3.40 did not) opens databases with an untrusted schema unless --unsafe-testing; the
-- triggers AddGeometryColumn writes call SpatiaLite's functions, as every library user's do
PRAGMA trusted_schema = ON;
.mode list
SELECT 'versions', spatialite_version(), proj_version(), geos_version(), rttopo_version(), freexl_version(), libxml2_version();
SELECT 'features', CASE WHEN HasProj() AND HasGeos() AND HasRtTopo() AND HasFreeXL() AND HasLibXML2()
    AND HasIconv() AND HasMathSql() AND HasEpsg() AND HasGeoPackage() AND HasTopology() AND HasGeosAdvanced() AND HasMinZip() AND HasGCP() AND HasGeos3110()
    THEN 'ok' ELSE abs(-9223372036854775808) END;
SELECT InitSpatialMetaData(1);
SELECT 'srs', CASE WHEN (SELECT count(*) FROM spatial_ref_sys) > 5000 THEN 'ok' ELSE abs(-9223372036854775808) END;
CREATE TABLE cities (id INTEGER PRIMARY KEY, name TEXT, pop INTEGER);
SELECT AddGeometryColumn('cities', 'geom', 4326, 'POINT', 'XY');
SELECT CreateSpatialIndex('cities', 'geom');
INSERT INTO cities (name, pop, geom) VALUES
  ('Paris', 2161000, MakePoint(2.3522, 48.8566, 4326)),
  ('Lyon', 516092, MakePoint(4.8357, 45.7640, 4326)),
  ('Vaduz', 5696, MakePoint(9.5209, 47.1410, 4326));
-- PROJ: Paris in UTM zone 31N
SELECT 'utm', X(g), Y(g), CASE WHEN X(g) BETWEEN 451000 AND 454000 AND Y(g) BETWEEN 5410000 AND 5414000
    THEN 'ok' ELSE abs(-9223372036854775808) END
  FROM (SELECT ST_Transform(geom, 32631) AS g FROM cities WHERE name = 'Paris');
-- geodesic distance Paris-Lyon (about 392 km)
SELECT 'geodesic', CASE WHEN ST_Distance(a.geom, b.geom, 1) BETWEEN 390000 AND 394000 THEN 'ok' ELSE abs(-9223372036854775808) END
  FROM cities a, cities b WHERE a.name = 'Paris' AND b.name = 'Lyon';
-- GEOS: buffer, union, intersection
SELECT 'buffer', CASE WHEN ST_Area(ST_Buffer(MakePoint(0, 0), 10)) BETWEEN 312 AND 314.2 THEN 'ok' ELSE abs(-9223372036854775808) END;
SELECT 'overlay', CASE WHEN ST_Area(ST_Union(BuildMbr(0, 0, 10, 10), BuildMbr(5, 5, 15, 15))) = 175
    AND ST_Area(ST_Intersection(BuildMbr(0, 0, 10, 10), BuildMbr(5, 5, 15, 15))) = 25 THEN 'ok' ELSE abs(-9223372036854775808) END;
-- the spatial index answers a window query
SELECT 'rtree', CASE WHEN (SELECT group_concat(name) FROM cities WHERE ROWID IN (SELECT ROWID FROM SpatialIndex
    WHERE f_table_name = 'cities' AND search_frame = BuildMbr(2, 45, 5, 49, 4326))) = 'Paris,Lyon' THEN 'ok' ELSE abs(-9223372036854775808) END;
-- librttopo: make_valid splits a bow-tie in two
SELECT 'makevalid', CASE WHEN ST_NumGeometries(ST_MakeValid(GeomFromText('POLYGON((0 0, 10 10, 10 0, 0 10, 0 0))'))) = 2
    THEN 'ok' ELSE abs(-9223372036854775808) END;
-- libxml2: XmlBLOBs of well-formed documents, none of malformed ones
SELECT 'xml', CASE WHEN XB_IsValid(XB_Create(CAST('<a><b x="1">t</b></a>' AS BLOB))) = 1
    AND XB_Create(CAST('<a><b></a>' AS BLOB)) IS NULL THEN 'ok' ELSE abs(-9223372036854775808) END;
SELECT 'geojson', AsGeoJSON(geom) FROM cities WHERE name = 'Vaduz';
-- GeoPackage geometry blobs
SELECT 'gpkg', CASE WHEN ST_AsText(GeomFromGPB(AsGPB(geom))) = ST_AsText(geom) THEN 'ok' ELSE abs(-9223372036854775808) END
  FROM cities WHERE name = 'Lyon';
-- files: shapefile out, zipped, counted and read back through minizip; a spreadsheet through FreeXL
SELECT 'exportshp', ExportSHP('cities', 'geom', 'cities', 'UTF-8');
.shell python -c "import zipfile; z = zipfile.ZipFile('cities.zip', 'w'); [z.write('cities.' + e) for e in ('shp', 'shx', 'dbf', 'prj')]; z.close()"
SELECT 'zip', CASE WHEN Zipfile_NumSHP('cities.zip') = 1 AND Zipfile_ShpN('cities.zip', 1) = 'cities' THEN 'ok' ELSE abs(-9223372036854775808) END;
SELECT 'importzip', ImportZipSHP('cities.zip', 'cities', 'again', 'UTF-8', 4326);
SELECT 'zipped', CASE WHEN (SELECT count(*) FROM again WHERE name = 'Vaduz') = 1 THEN 'ok' ELSE abs(-9223372036854775808) END;
CREATE VIRTUAL TABLE xl USING VirtualXL('simple2003.xls', 0, 1);
SELECT 'xls', CASE WHEN (SELECT count(*) FROM xl) = 3 THEN 'ok' ELSE abs(-9223372036854775808) END;
