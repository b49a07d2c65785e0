/* Parses a document, edits it, serializes it and parses the result again; checks values,
   a JSON pointer, the tokener's error on bad input and a file round trip. */
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "out.json";
    const char *text = "{\"name\": \"Zürich\", \"pop\": 421878, \"coords\": [8.54, 47.37], \"capital\": false}";
    json_object *doc = json_tokener_parse(text);
    if (!doc) return 1;
    json_object *v;
    if (!json_object_object_get_ex(doc, "pop", &v) || json_object_get_int64(v) != 421878) return 2;
    if (json_pointer_get(doc, "/coords/1", &v) != 0 || json_object_get_double(v) != 47.37) return 3;
    json_object_object_add(doc, "tags", json_object_new_array());
    json_object_array_add(json_object_object_get(doc, "tags"), json_object_new_string("city"));
    const char *out = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY);
    json_object *again = json_tokener_parse(out);
    if (!again || !json_object_equal(doc, again)) return 4;
    if (json_object_to_file(path, doc) != 0) return 5;
    json_object *from_file = json_object_from_file(path);
    if (!from_file || !json_object_equal(doc, from_file)) return 6;
    if (json_pointer_get(from_file, "/tags/0", &v) != 0 || strcmp(json_object_get_string(v), "city")) return 7;

    enum json_tokener_error err;
    json_object *bad = json_tokener_parse_verbose("{\"a\": [1, 2", &err);
    if (bad || err == json_tokener_success) return 8;
    printf("json-c %s: round trip ok, bad input: %s\n", json_c_version(), json_tokener_error_desc(err));
    json_object_put(doc); json_object_put(again); json_object_put(from_file);
    return 0;
}
