/* Parse a document, query it with XPath, add a node, write it gzip-compressed (zlib),
 * read that back and check the round trip; then stream it with the text reader. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xmlreader.h>
#include <stdio.h>
#include <string.h>

static int count(xmlDocPtr doc, const char *expr) {
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr obj = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    int n = obj && obj->type == XPATH_NUMBER ? (int)obj->floatval : -1;
    xmlXPathFreeObject(obj); xmlXPathFreeContext(ctx);
    return n;
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    LIBXML_TEST_VERSION
    if (!xmlHasFeature(XML_WITH_ZLIB)) { fprintf(stderr, "no zlib support\n"); return 1; }
    xmlDocPtr doc = xmlReadFile(argv[1], NULL, XML_PARSE_NOBLANKS);
    if (!doc) { fprintf(stderr, "cannot parse %s\n", argv[1]); return 1; }
    if (count(doc, "count(//point)") != 4) { fprintf(stderr, "xpath count wrong\n"); return 1; }
    xmlNodePtr p = xmlNewChild(xmlDocGetRootElement(doc), NULL, (const xmlChar *)"point", NULL);
    xmlNewProp(p, (const xmlChar *)"id", (const xmlChar *)"p5");
    xmlNewTextChild(p, NULL, (const xmlChar *)"name", (const xmlChar *)"Genève");
    xmlNewTextChild(p, NULL, (const xmlChar *)"pop", (const xmlChar *)"203856");
    xmlSetDocCompressMode(doc, 9);
    if (xmlSaveFormatFileEnc(argv[2], doc, "UTF-8", 1) < 0) { fprintf(stderr, "save failed\n"); return 1; }
    xmlFreeDoc(doc);

    FILE *f = fopen(argv[2], "rb");
    unsigned char magic[2] = {0, 0};
    if (!f || fread(magic, 1, 2, f) != 2 || magic[0] != 0x1f || magic[1] != 0x8b) { fprintf(stderr, "not gzip\n"); return 1; }
    fclose(f);
    doc = xmlReadFile(argv[2], NULL, XML_PARSE_NOBLANKS | XML_PARSE_UNZIP);  /* 2.14+: decompress only when asked */
    if (!doc || count(doc, "count(//point[pop > 200000])") != 4) { fprintf(stderr, "round trip wrong\n"); return 1; }
    xmlChar *name = xmlNodeGetContent(xmlDocGetRootElement(doc)->last->children);
    if (strcmp((const char *)name, "Genève") != 0) { fprintf(stderr, "name %s\n", name); return 1; }
    xmlFree(name); xmlFreeDoc(doc);

    xmlTextReaderPtr r = xmlReaderForFile(argv[2], NULL, XML_PARSE_UNZIP);
    int points = 0;
    while (xmlTextReaderRead(r) == 1)
        if (xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT && xmlStrEqual(xmlTextReaderConstName(r), (const xmlChar *)"point")) points++;
    xmlFreeTextReader(r);
    if (points != 5) { fprintf(stderr, "reader saw %d points\n", points); return 1; }
    printf("libxml2 %s: %d points round-tripped through %s\n", xmlParserVersion, points, argv[2]);
    xmlCleanupParser();
    return 0;
}
