/*
 * A minimal JSON reader for the shared test fixtures (tests/fixtures/, JSON files), valid C11 and C++.
 * It reads a whole document into a tree of nodes: objects, arrays, strings (escapes and \uXXXX
 * decoded to UTF-8), numbers (kept as text and as a double), true, false, null.
 */
#ifndef MPP_TESTS_JSON_MINI_H
#define MPP_TESTS_JSON_MINI_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { JNULL, JBOOL, JNUM, JSTR, JARR, JOBJ } jtype;

typedef struct jnode {
    jtype type;
    char *key;          /* the member name, for members of an object */
    char *text;         /* JSTR: the decoded string; JNUM: the number as written */
    double num;
    int boolean;
    struct jnode *child; /* JARR / JOBJ: first element */
    struct jnode *next;  /* the next sibling */
} jnode;

typedef struct {
    const char *p;
    const char *end;
    int failed;
} jreader;

static inline void j_ws(jreader *r) {
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t')) {
        r->p++;
    }
}

static jnode *j_new(jtype t) {
    jnode *n = (jnode *)calloc(1, sizeof(jnode));
    n->type = t;
    return n;
}

static inline void j_put_utf8(char **out, size_t *len, size_t *cap, unsigned long cp) {
    char buf[4];
    size_t n = 0;
    if (cp < 0x80) {
        buf[n++] = (char)cp;
    } else if (cp < 0x800) {
        buf[n++] = (char)(0xC0 | (cp >> 6));
        buf[n++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        buf[n++] = (char)(0xE0 | (cp >> 12));
        buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[n++] = (char)(0x80 | (cp & 0x3F));
    } else {
        buf[n++] = (char)(0xF0 | (cp >> 18));
        buf[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[n++] = (char)(0x80 | (cp & 0x3F));
    }
    if (*len + n + 1 > *cap) {
        *cap = (*cap + n + 1) * 2;
        *out = (char *)realloc(*out, *cap);
    }
    memcpy(*out + *len, buf, n);
    *len += n;
    (*out)[*len] = '\0';
}

static inline unsigned long j_hex4(jreader *r) {
    unsigned long v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        char c;
        if (r->p >= r->end) {
            r->failed = 1;
            return 0;
        }
        c = *r->p++;
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned long)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned long)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned long)(c - 'A' + 10);
        else r->failed = 1;
    }
    return v;
}

static char *j_string(jreader *r) {
    size_t len = 0, cap = 16;
    char *out = (char *)malloc(cap);
    out[0] = '\0';
    r->p++; /* the opening quote */
    while (r->p < r->end && *r->p != '"') {
        unsigned char c = (unsigned char)*r->p++;
        if (c == '\\') {
            char e;
            if (r->p >= r->end) break;
            e = *r->p++;
            switch (e) {
            case 'n': j_put_utf8(&out, &len, &cap, '\n'); break;
            case 't': j_put_utf8(&out, &len, &cap, '\t'); break;
            case 'r': j_put_utf8(&out, &len, &cap, '\r'); break;
            case 'b': j_put_utf8(&out, &len, &cap, '\b'); break;
            case 'f': j_put_utf8(&out, &len, &cap, '\f'); break;
            case 'u': {
                unsigned long cp = j_hex4(r);
                if (cp >= 0xD800 && cp < 0xDC00 && r->p + 6 <= r->end && r->p[0] == '\\' &&
                    r->p[1] == 'u') {
                    unsigned long lo;
                    r->p += 2;
                    lo = j_hex4(r);
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                j_put_utf8(&out, &len, &cap, cp);
                break;
            }
            default: j_put_utf8(&out, &len, &cap, (unsigned char)e); break;
            }
        } else {
            /* raw bytes (UTF-8 passes through unchanged) */
            if (len + 2 > cap) {
                cap *= 2;
                out = (char *)realloc(out, cap);
            }
            out[len++] = (char)c;
            out[len] = '\0';
        }
    }
    if (r->p >= r->end) r->failed = 1;
    else r->p++; /* the closing quote */
    return out;
}

static jnode *j_value(jreader *r);

static jnode *j_value(jreader *r) {
    jnode *n = NULL;
    j_ws(r);
    if (r->p >= r->end) {
        r->failed = 1;
        return NULL;
    }
    if (*r->p == '{' || *r->p == '[') {
        int is_obj = *r->p == '{';
        char close = is_obj ? '}' : ']';
        jnode **tail;
        n = j_new(is_obj ? JOBJ : JARR);
        tail = &n->child;
        r->p++;
        j_ws(r);
        if (r->p < r->end && *r->p == close) {
            r->p++;
            return n;
        }
        while (!r->failed) {
            char *key = NULL;
            jnode *v;
            j_ws(r);
            if (is_obj) {
                if (r->p >= r->end || *r->p != '"') {
                    r->failed = 1;
                    break;
                }
                key = j_string(r);
                j_ws(r);
                if (r->p >= r->end || *r->p != ':') {
                    free(key);
                    r->failed = 1;
                    break;
                }
                r->p++;
            }
            v = j_value(r);
            if (v == NULL) {
                free(key);
                break;
            }
            v->key = key;
            *tail = v;
            tail = &v->next;
            j_ws(r);
            if (r->p < r->end && *r->p == ',') {
                r->p++;
                continue;
            }
            if (r->p < r->end && *r->p == close) {
                r->p++;
                break;
            }
            r->failed = 1;
        }
        return n;
    }
    if (*r->p == '"') {
        n = j_new(JSTR);
        n->text = j_string(r);
        return n;
    }
    if (r->end - r->p >= 4 && strncmp(r->p, "null", 4) == 0) {
        r->p += 4;
        return j_new(JNULL);
    }
    if (r->end - r->p >= 4 && strncmp(r->p, "true", 4) == 0) {
        r->p += 4;
        n = j_new(JBOOL);
        n->boolean = 1;
        return n;
    }
    if (r->end - r->p >= 5 && strncmp(r->p, "false", 5) == 0) {
        r->p += 5;
        return j_new(JBOOL);
    }
    {
        const char *start = r->p;
        size_t len;
        while (r->p < r->end && strchr("+-0123456789.eE", *r->p) != NULL) r->p++;
        len = (size_t)(r->p - start);
        if (len == 0) {
            r->failed = 1;
            return NULL;
        }
        n = j_new(JNUM);
        n->text = (char *)malloc(len + 1);
        memcpy(n->text, start, len);
        n->text[len] = '\0';
        n->num = strtod(n->text, NULL);
        return n;
    }
}

static inline void j_free(jnode *n) {
    while (n != NULL) {
        jnode *next = n->next;
        j_free(n->child);
        free(n->key);
        free(n->text);
        free(n);
        n = next;
    }
}

/* Reads a whole file into memory (NUL-terminated); *len gets its size. NULL if unreadable. */
static char *j_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (char *)malloc((size_t)size + 1);
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        fclose(f);
        return NULL;
    }
    buf[size] = '\0';
    fclose(f);
    if (len) *len = (size_t)size;
    return buf;
}

/* Parses a file; NULL if it cannot be read or is not JSON. Free with j_free. */
static jnode *j_parse_file(const char *path) {
    size_t len = 0;
    char *text = j_read_file(path, &len);
    jreader r;
    jnode *root;
    if (text == NULL) return NULL;
    r.p = text;
    r.end = text + len;
    r.failed = 0;
    root = j_value(&r);
    free(text);
    if (r.failed) {
        j_free(root);
        return NULL;
    }
    return root;
}

/* The member `key` of an object, or NULL. */
static const jnode *j_get(const jnode *obj, const char *key) {
    const jnode *c;
    if (obj == NULL || obj->type != JOBJ) return NULL;
    for (c = obj->child; c != NULL; c = c->next) {
        if (c->key != NULL && strcmp(c->key, key) == 0) return c;
    }
    return NULL;
}

/* The string member `key`, or NULL when absent or null. */
static inline const char *j_str(const jnode *obj, const char *key) {
    const jnode *v = j_get(obj, key);
    return v != NULL && v->type == JSTR ? v->text : NULL;
}

/* The numeric member `key`, or `fallback` when absent or null. */
static inline double j_num(const jnode *obj, const char *key, double fallback) {
    const jnode *v = j_get(obj, key);
    return v != NULL && v->type == JNUM ? v->num : fallback;
}

#endif
