#include "json.hpp"

#include <cctype>
#include <cstdlib>

namespace conf {

namespace {

const Json kNull{};

struct Parser {
    const std::string& s;
    size_t i = 0;
    std::string err;

    void ws() {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
    }
    bool fail(const std::string& what) {
        if (err.empty()) err = what + " at byte " + std::to_string(i);
        return false;
    }
    bool literal(const char* word) {
        std::string w(word);
        if (s.compare(i, w.size(), w) != 0) return fail("expected " + w);
        i += w.size();
        return true;
    }
    static void put_utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += char(cp);
        } else if (cp < 0x800) {
            out += char(0xC0 | (cp >> 6));
            out += char(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += char(0xE0 | (cp >> 12));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        } else {
            out += char(0xF0 | (cp >> 18));
            out += char(0x80 | ((cp >> 12) & 0x3F));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        }
    }
    bool string(std::string& out) {
        if (s[i] != '"') return fail("expected string");
        ++i;
        while (i < s.size() && s[i] != '"') {
            char c = s[i++];
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i >= s.size()) break;
            char e = s[i++];
            switch (e) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'u': {
                if (i + 4 > s.size()) return fail("short \\u escape");
                unsigned cp = std::strtoul(s.substr(i, 4).c_str(), nullptr, 16);
                i += 4;
                if (cp >= 0xD800 && cp < 0xDC00 && s.compare(i, 2, "\\u") == 0) {
                    unsigned lo = std::strtoul(s.substr(i + 2, 4).c_str(), nullptr, 16);
                    i += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                put_utf8(out, cp);
                break;
            }
            default: out += e;
            }
        }
        if (i >= s.size()) return fail("unterminated string");
        ++i;
        return true;
    }
    bool value(Json& v, int depth) {
        if (depth > 200) return fail("nesting too deep");
        ws();
        if (i >= s.size()) return fail("unexpected end");
        char c = s[i];
        if (c == '{') {
            v.kind = Json::Kind::Object;
            ++i;
            ws();
            if (i < s.size() && s[i] == '}') return ++i, true;
            for (;;) {
                ws();
                std::string key;
                if (i >= s.size() || !string(key)) return fail("expected key");
                ws();
                if (i >= s.size() || s[i] != ':') return fail("expected ':'");
                ++i;
                Json member;
                if (!value(member, depth + 1)) return false;
                v.members.emplace_back(std::move(key), std::move(member));
                ws();
                if (i < s.size() && s[i] == ',') { ++i; continue; }
                if (i < s.size() && s[i] == '}') return ++i, true;
                return fail("expected ',' or '}'");
            }
        }
        if (c == '[') {
            v.kind = Json::Kind::Array;
            ++i;
            ws();
            if (i < s.size() && s[i] == ']') return ++i, true;
            for (;;) {
                Json item;
                if (!value(item, depth + 1)) return false;
                v.items.push_back(std::move(item));
                ws();
                if (i < s.size() && s[i] == ',') { ++i; continue; }
                if (i < s.size() && s[i] == ']') return ++i, true;
                return fail("expected ',' or ']'");
            }
        }
        if (c == '"') {
            v.kind = Json::Kind::String;
            return string(v.text);
        }
        if (c == 't') { v.kind = Json::Kind::Bool; v.boolean = true; return literal("true"); }
        if (c == 'f') { v.kind = Json::Kind::Bool; return literal("false"); }
        if (c == 'n') return literal("null");
        size_t start = i;
        while (i < s.size() && (std::isdigit((unsigned char)s[i]) || s[i] == '-' || s[i] == '+' ||
                                s[i] == '.' || s[i] == 'e' || s[i] == 'E'))
            ++i;
        if (i == start) return fail("unexpected character");
        v.kind = Json::Kind::Number;
        v.text = s.substr(start, i - start);
        return true;
    }
};

}  // namespace

const Json& Json::operator[](const std::string& key) const {
    if (kind != Kind::Object) return kNull;
    for (const auto& [k, v] : members)
        if (k == key) return v;
    return kNull;
}

bool Json::has(const std::string& key) const {
    if (kind != Kind::Object) return false;
    for (const auto& m : members)
        if (m.first == key) return true;
    return false;
}

std::string Json::str(const std::string& fallback) const {
    return kind == Kind::String ? text : fallback;
}

long long Json::int_or(long long fallback) const {
    return kind == Kind::Number ? std::strtoll(text.c_str(), nullptr, 10) : fallback;
}

unsigned long long Json::uint_or(unsigned long long fallback) const {
    return kind == Kind::Number ? std::strtoull(text.c_str(), nullptr, 10) : fallback;
}

bool Json::bool_or(bool fallback) const { return kind == Kind::Bool ? boolean : fallback; }

bool parse_json(const std::string& input, Json& out, std::string& error) {
    Parser p{input, 0, {}};
    bool ok = p.value(out, 0);
    if (ok) {
        p.ws();
        if (p.i != input.size()) ok = p.fail("trailing data");
    }
    if (!ok) error = p.err;
    return ok;
}

}  // namespace conf
