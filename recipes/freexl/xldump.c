/* Print every worksheet and non-empty cell of an .xls, .xlsx or .ods file, one per line:
 *   sheet <index> <name> <rows>x<columns>
 *   cell <sheet>:<row>,<column> <type> <value>
 * the test commands look for known cells in the output. */
#include <freexl.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: xldump FILE\n"); return 2; }
    const char *path = argv[1], *dot = strrchr(path, '.');
    const void *h = NULL;
    int ret;
    if (dot && strcmp(dot, ".xlsx") == 0) ret = freexl_open_xlsx(path, &h);
    else if (dot && strcmp(dot, ".ods") == 0) ret = freexl_open_ods(path, &h);
    else ret = freexl_open(path, &h);
    if (ret != FREEXL_OK) { fprintf(stderr, "cannot open %s: %d\n", path, ret); return 1; }
    unsigned int sheets = 0;
    if (freexl_get_worksheets_count(h, &sheets) != FREEXL_OK && freexl_get_info(h, FREEXL_BIFF_SHEET_COUNT, &sheets) != FREEXL_OK) {
        fprintf(stderr, "no worksheet count\n"); return 1;
    }
    printf("freexl %s\n", freexl_version());
    for (unsigned short s = 0; s < sheets; s++) {
        const char *name;
        unsigned int rows; unsigned short cols;
        if (freexl_get_worksheet_name(h, s, &name) != FREEXL_OK || freexl_select_active_worksheet(h, s) != FREEXL_OK ||
            freexl_worksheet_dimensions(h, &rows, &cols) != FREEXL_OK) { fprintf(stderr, "sheet %u unreadable\n", s); return 1; }
        printf("sheet %u %s %ux%u\n", s, name, rows, cols);
        for (unsigned int r = 0; r < rows; r++)
            for (unsigned short c = 0; c < cols; c++) {
                FreeXL_CellValue v;
                if (freexl_get_cell_value(h, r, c, &v) != FREEXL_OK) { fprintf(stderr, "cell %u,%u unreadable\n", r, c); return 1; }
                switch (v.type) {
                case FREEXL_CELL_INT: printf("cell %u:%u,%u int %d\n", s, r, c, v.value.int_value); break;
                case FREEXL_CELL_DOUBLE: printf("cell %u:%u,%u double %.15g\n", s, r, c, v.value.double_value); break;
                case FREEXL_CELL_TEXT: case FREEXL_CELL_SST_TEXT: printf("cell %u:%u,%u text %s\n", s, r, c, v.value.text_value); break;
                case FREEXL_CELL_DATE: case FREEXL_CELL_DATETIME: case FREEXL_CELL_TIME:
                    printf("cell %u:%u,%u date %s\n", s, r, c, v.value.text_value); break;
                default: break;
                }
            }
    }
    freexl_close(h);
    return 0;
}
