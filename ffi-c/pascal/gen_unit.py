#!/usr/bin/env python3
"""Generates ffi-c/pascal/mppoint.pas, the Delphi / Free Pascal unit of the C API, from
include/mppoint.h (which cbindgen generates from ffi-c/src).

    python3 ffi-c/pascal/gen_unit.py include/mppoint.h > ffi-c/pascal/mppoint.pas

tests/run_pascal.sh regenerates the unit and fails when it differs from the committed one, so the
unit follows the header. Anything in the header this script does not understand is an error,
never a silent omission.
"""

import re
import sys

RESERVED = {
    "and", "array", "as", "asm", "begin", "case", "class", "const", "constructor", "destructor",
    "div", "do", "downto", "else", "end", "except", "exports", "file", "finally", "for",
    "function", "goto", "if", "implementation", "in", "inherited", "inline", "interface", "is",
    "label", "library", "mod", "nil", "not", "object", "of", "operator", "or", "out", "packed",
    "procedure", "program", "property", "raise", "record", "repeat", "result", "set", "shl",
    "shr", "string", "then", "threadvar", "to", "try", "type", "unit", "until", "uses", "var",
    "while", "with", "xor", "absolute", "self", "on", "index", "name", "message",
}

SCALARS = {
    "bool": "Boolean",
    "uint8_t": "Byte",
    "int32_t": "Int32",
    "uint16_t": "Word",
    "uint32_t": "Cardinal",
    "int64_t": "Int64",
    "uint64_t": "UInt64",
    "size_t": "NativeUInt",
    "double": "Double",
}
POINTERS = {
    "char *": "PAnsiChar",
    "char **": "PPAnsiChar",
    "char *const *": "PPAnsiChar",
    "void *": "Pointer",
    "uint8_t *": "PByte",
    "int64_t *": "PInt64",
    "uint64_t *": "PUInt64",
    "uint32_t *": "PCardinal",
    "size_t *": "PNativeUInt",
    "bool *": "PBoolean",
}


def fail(msg: str) -> None:
    sys.exit(f"gen_unit.py: {msg}")


def doc_lines(doc: str, indent: str = "") -> list[str]:
    lines = []
    for line in doc.splitlines():
        line = re.sub(r"^\s*\*\s?", "", line).rstrip()
        if line.strip() in ("/**", "*/", "/*"):
            continue
        lines.append(f"{indent}// {line}".rstrip())
    while lines and lines[-1].strip() == "//":
        lines.pop()
    return lines


def main() -> None:
    header = open(sys.argv[1], encoding="utf-8").read()

    enums = []  # (name, doc, [(member, value, doc)])
    for m in re.finditer(r"(/\*\*(?:(?!\*/).)*\*/)\s*\nenum (\w+)\n.*?\{(.*?)\};", header, re.S):
        doc, name, body = m.groups()
        members = re.findall(r"(/\*\*(?:(?!\*/).)*\*/)?\s*\n\s*(\w+) = (\d+),", body, re.S)
        if not members:
            fail(f"enum {name} has no members")
        enums.append((name, doc, [(mem, int(val), mdoc) for mdoc, mem, val in members]))
    enum_names = {e[0] for e in enums}
    for name in re.findall(r"typedef uint32_t (\w+);", header):
        if name not in enum_names:
            fail(f"typedef uint32_t {name} is not an enum this script read")

    opaque = []  # (name, doc)
    for m in re.finditer(r"(/\*\*(?:(?!\*/).)*\*/)?\s*\ntypedef struct (\w+) (\w+);", header, re.S):
        doc, name, alias = m.groups()
        if name != alias:
            fail(f"typedef struct {name} {alias}: different names")
        opaque.append((name, doc or ""))
    opaque_names = {o[0] for o in opaque}

    callbacks = []
    # (name, doc, parameters, return type: "void" or a scalar such as int32_t)
    for m in re.finditer(r"(/\*\*(?:(?!\*/).)*\*/)?\s*\ntypedef (void|int32_t) \(\*(\w+)\)\((.*?)\);", header, re.S):
        callbacks.append((m.group(3), m.group(1) or "", m.group(4), m.group(2)))
    callback_names = {c[0] for c in callbacks}

    other_typedefs = set(re.findall(r"^typedef .*?(\w+);$", header, re.M)) - enum_names - opaque_names - callback_names
    other_typedefs -= {"mpp_result", *enum_names}
    stray = [t for t in other_typedefs if not re.search(rf"typedef enum {t} {t};", header)]
    if stray:
        fail(f"typedefs this script does not know: {stray}")

    def pascal_type(ctype: str, where: str) -> str:
        t = re.sub(r"\bconst\b\s*", "", ctype).strip()
        t = re.sub(r"\s*\*", " *", t).replace("* *", "**").strip()
        t = re.sub(r"\s+", " ", t)
        base = t.rstrip(" *")
        stars = t.count("*")
        if stars == 0:
            if base in SCALARS:
                return SCALARS[base]
            if base in enum_names or base in callback_names:
                return base
            fail(f"{where}: unknown type {ctype!r}")
        key = base + " " + "*" * stars
        norm = re.sub(r"\bconst\b\s*", "", ctype).strip()
        if "const *" in ctype.replace("*const *", "*const *") and norm.endswith("*const *"):
            key = "char *const *"
        if key in POINTERS:
            return POINTERS[key]
        if base in opaque_names or base in enum_names:
            return "P" * stars + base
        fail(f"{where}: unknown type {ctype!r}")
        return ""

    def pascal_param(decl: str, where: str) -> tuple[str, str]:
        decl = decl.strip()
        m = re.match(r"(.*?)(\w+)$", decl, re.S)
        if not m:
            fail(f"{where}: cannot read parameter {decl!r}")
        ctype, name = m.group(1).strip(), m.group(2)
        if name.lower() in RESERVED:
            name = name + "_"
        return name, pascal_type(ctype, where)

    functions = []
    for m in re.finditer(r"(/\*\*(?:(?!\*/).)*\*/)\s*\n([^\n/#]*?\b(mpp_\w+)\((.*?)\);)", header, re.S):
        doc, full, name, args = m.groups()
        if full.startswith("typedef"):
            continue
        ret = full[: m.start(3) - m.start(2)].strip()
        params = [] if args.strip() in ("", "void") else [pascal_param(a, name) for a in args.split(",")]
        functions.append((name, doc, "void" if ret == "void" else pascal_type(ret, name), params))
    declared = set(re.findall(r"^\S[^\n(]*?\b(mpp_\w+)\(.*\);$", header, re.M))
    if declared != {f[0] for f in functions}:
        fail(f"functions without a doc comment or not read: {sorted(declared - {f[0] for f in functions})}")

    # Pascal identifiers are not case sensitive: no two may differ only in case.
    seen: dict[str, str] = {}
    idents = [e[0] for e in enums] + [mem for e in enums for mem, _, _ in e[2]] + [o[0] for o in opaque]
    idents += ["P" + o for o in opaque_names] + ["PP" + o for o in opaque_names] + ["P" + e for e in enum_names]
    idents += list(callback_names) + [f[0] for f in functions]
    for ident in idents:
        if ident.lower() in seen and seen[ident.lower()] != ident:
            fail(f"{ident} and {seen[ident.lower()]} are the same Pascal identifier")
        if ident.lower() in seen and ident not in ("",):
            fail(f"{ident} is declared twice")
        seen[ident.lower()] = ident

    version = re.search(r'The version of the library \(`"([^"]+)"`\)', header)
    out = []
    w = out.append
    w("// mppoint.pas: the C API of mppoint (include/mppoint.h) for Delphi and Free Pascal.")
    w("//")
    w("// GENERATED by ffi-c/pascal/gen_unit.py from include/mppoint.h: do not edit by hand;")
    w("// tests/run_pascal.sh regenerates it and fails on any difference.")
    w("//")
    w("// What Delphi and Free Pascal code must know (the header's own conventions follow below):")
    w("//  - Every function is cdecl, on Win32 too (where Delphi's default is register).")
    w("//  - size_t is NativeUInt; uint32_t results and enums are Cardinal; money is Int64 cents;")
    w("//    C's bool is one byte (Boolean).")
    w("//  - Strings in and out are PAnsiChar holding NUL-terminated UTF-8: pass")
    w("//    PAnsiChar(UTF8String(S)) and read results with UTF8ToString (Delphi 2009+; Free Pascal:")
    w("//    UTF8Decode or a UTF8String). Strings the library returns through a PPAnsiChar out-param")
    w("//    are freed with mpp_string_free; PAnsiChar function results are borrowed (never free them).")
    w("//  - Handles are typed pointers (Pmpp_client, ...): free what you own with its _free function.")
    w("//  - The status callback of a wait (mpp_status_callback, mpp_wait_options_set_on_status) runs")
    w("//    ON THE THREAD THAT WAITS (the one calling mpp_charge / mpp_intent_wait), never on the main")
    w("//    thread: do not touch VCL/FMX controls from it; hand the status to the UI with")
    w("//    TThread.Queue (or PostMessage). Run mpp_charge on a worker thread (TThread) so the UI stays")
    w("//    responsive, and let a cashier's Cancel button call mpp_cancel_token_cancel.")
    w("//  - Windows: 32-bit programs need the x86 bundle's mppoint.dll, 64-bit ones the x64 bundle's;")
    w("//    put it beside the .exe. No import library is needed for 'external'.")
    w("//  - Free Pascal: compile with -Mdelphi (or keep the {$mode delphi} below); on Linux it links")
    w("//    libmppoint.so: pass -Fl<bundle>/lib, and -k-rpath -k<bundle>/lib or run ldconfig. Add")
    w("//    -FU. so the compiled unit (mppoint.o, mppoint.ppu) goes to your folder, not the installed")
    w("//    unit's (which a normal user cannot write), or copy mppoint.pas beside your program.")
    w("//  - Free Pascal on Linux/macOS: a program with threads (TThread, or mpp_charge on a worker)")
    w("//    must name cthreads FIRST in its uses clause: uses {$IFDEF UNIX}cthreads,{$ENDIF} ...;")
    w("//    without it the first thread stops the program with 'Runtime error 232'.")
    w("//  - Delphi's Currency (a fixed point Int64 of 1/10000): MppCurrencyToCents,")
    w("//    MppCentsToCurrency and MppCurrencyToAmount below convert exactly, with no float.")
    w("//")
    w("// The conventions of the C API (from include/mppoint.h):")
    conv = re.search(r"/\*\n \* mppoint\.h:(.*?)\*/", header, re.S)
    if conv:
        for line in doc_lines(conv.group(0)):
            w(line)
    w("")
    w("unit mppoint;")
    w("")
    w("{$IFDEF FPC}")
    w("  {$mode delphi}")
    w("  {$packrecords c}")
    w("{$ENDIF}")
    w("{$MINENUMSIZE 4}")
    w("")
    w("interface")
    w("")
    w("const")
    w("{$IFDEF MSWINDOWS}")
    w("  MPPOINT_LIB = 'mppoint.dll';")
    w("{$ELSE}{$IFDEF DARWIN}")
    w("  MPPOINT_LIB = 'libmppoint.dylib';")
    w("{$ELSE}{$IFDEF FPC}")
    w("  MPPOINT_LIB = 'mppoint';   // linked as -lmppoint; found at run time as libmppoint.so.0")
    w("{$ELSE}")
    w("  MPPOINT_LIB = 'libmppoint.so.0';")
    w("{$ENDIF}{$ENDIF}{$ENDIF}")
    if version:
        w(f"  // The version of the header this unit was generated from (mpp_version() gives the library's).")
        w(f"  MPPOINT_HEADER_VERSION = '{version.group(1)}';")
    w("")
    w("type")
    w("  // The standard types the declarations use, for compilers that lack one.")
    w("  PPAnsiChar = ^PAnsiChar;")
    w("  PNativeUInt = ^NativeUInt;")
    w("")
    for name, doc, members in enums:
        out.extend(doc_lines(doc, "  "))
        w(f"  {name} = Cardinal;")
        w(f"  P{name} = ^{name};")
        w("")
    for name, doc in opaque:
        out.extend(doc_lines(doc, "  "))
        w(f"  {name} = record end;")
        w(f"  P{name} = ^{name};")
        w(f"  PP{name} = ^P{name};")
        w("")
    for name, doc, args, ret in callbacks:
        out.extend(doc_lines(doc, "  "))
        params = "; ".join(f"{n}: {t}" for n, t in (pascal_param(a, name) for a in args.split(",")))
        if ret == "void":
            w(f"  {name} = procedure({params}); cdecl;")
        else:
            w(f"  {name} = function({params}): {SCALARS[ret]}; cdecl;")
        w("")
    w("const")
    for name, _doc, members in enums:
        w(f"  // {name}")
        for mem, val, mdoc in members:
            first = next((l[3:].strip() for l in doc_lines(mdoc or "") if l[3:].strip()), "")
            w(f"  {mem} = {val};" + (f"  // {first}" if first else ""))
        w("")
    for name, doc, ret, params in functions:
        out.extend(doc_lines(doc, ""))
        plist = "(" + "; ".join(f"{n}: {t}" for n, t in params) + ")" if params else ""
        if ret == "void":
            w(f"procedure {name}{plist}; cdecl; external MPPOINT_LIB;")
        else:
            w(f"function {name}{plist}: {ret}; cdecl; external MPPOINT_LIB;")
        w("")
    w("// Currency <-> the library's amounts, exact (integer arithmetic on Currency's Int64, no float).")
    w("// Currency 12.47 -> 1247 cents. False (and Cents = 0) when Value has a fraction of a cent")
    w("// (12.475): no amount has one, so nothing is rounded silently; round it yourself first if that")
    w("// is what the till means.")
    w("function MppCurrencyToCents(const Value: Currency; out Cents: Int64): Boolean;")
    w("// 1247 cents -> Currency 12.47. False (and Value = 0) when Cents is beyond Currency's range.")
    w("function MppCentsToCurrency(const Cents: Int64; out Value: Currency): Boolean;")
    w("// Currency 12.47 -> the amount string '12.47' for mpp_intent_request_new / mpp_payment_refund.")
    w("// False (and Amount = '') when Value has a fraction of a cent.")
    w("function MppCurrencyToAmount(const Value: Currency; out Amount: AnsiString): Boolean;")
    w("")
    w("implementation")
    w("")
    w("function MppCurrencyToCents(const Value: Currency; out Cents: Int64): Boolean;")
    w("var")
    w("  Raw: Int64;")
    w("begin")
    w("  Move(Value, Raw, SizeOf(Raw));  // Currency is an Int64 counting 1/10000")
    w("  Result := Raw mod 100 = 0;")
    w("  if Result then Cents := Raw div 100 else Cents := 0;")
    w("end;")
    w("")
    w("function MppCentsToCurrency(const Cents: Int64; out Value: Currency): Boolean;")
    w("var")
    w("  Raw: Int64;")
    w("begin")
    w("  Result := (Cents <= High(Int64) div 100) and (Cents >= Low(Int64) div 100);")
    w("  if Result then Raw := Cents * 100 else Raw := 0;")
    w("  Move(Raw, Value, SizeOf(Raw));")
    w("end;")
    w("")
    w("function MppCurrencyToAmount(const Value: Currency; out Amount: AnsiString): Boolean;")
    w("var")
    w("  Cents: Int64;")
    w("  Whole, Frac: ShortString;")
    w("begin")
    w("  Amount := '';")
    w("  Result := MppCurrencyToCents(Value, Cents);")
    w("  if not Result then Exit;")
    w("  Str(Abs(Cents) div 100, Whole);  // |Cents| <= 2^63 / 100: Abs cannot overflow")
    w("  Str(Abs(Cents) mod 100, Frac);")
    w("  if Length(Frac) < 2 then Frac := '0' + Frac;")
    w("  Amount := AnsiString(Whole) + '.' + AnsiString(Frac);")
    w("  if Cents < 0 then Amount := '-' + Amount;")
    w("end;")
    w("")
    w("end.")
    sys.stdout.write("\n".join(out) + "\n")
    print(f"gen_unit.py: {len(functions)} functions, {len(enums)} enums, {len(opaque)} handles, "
          f"{len(callbacks)} callback types", file=sys.stderr)


if __name__ == "__main__":
    main()
