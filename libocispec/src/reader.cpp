// The streaming reader: yajl's callback API drives a stack of typed frames,
// one per open JSON object or array, each writing straight into the struct
// member it stands for.  No intermediate tree is built.
//
// Errors carry the document name, the JSON path of the offending value, what
// was expected and where the value starts in the text.
#include <yajl/yajl_parse.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <cstddef>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "describe.hpp"
#include "ocispec/json.hpp"

namespace oci {
namespace detail {
namespace {

enum class Kind { Null, Bool, Number, String, StartMap, StartArray };

struct Event {
    Kind kind;
    bool b = false;
    std::string_view text;  // number text or decoded string, valid during the callback
};

const char* kind_name(Kind k) {
    switch (k) {
        case Kind::Null: return "null";
        case Kind::Bool: return "boolean";
        case Kind::Number: return "number";
        case Kind::String: return "string";
        case Kind::StartMap: return "object";
        case Kind::StartArray: return "array";
    }
    return "value";
}

class Reader;

// One open container (or the document itself, at the bottom of the stack).
struct Frame {
    size_t start = 0;  // byte offset of the '{' or '['
    virtual ~Frame() = default;
    // Makes `k` the current key; false if the object already had it (the
    // key is current all the same, so that the error's path names it).
    virtual bool key(std::string_view) { return true; }
    virtual bool value(Reader&, const Event&) = 0;
    virtual bool end(Reader&) { return true; }
    // Appends the path segment of the child currently being read.
    virtual void segment(std::string& path) const = 0;
};

class Reader {
  public:
    Reader(std::string_view doc, std::string_view name) : doc_(doc), name_(name) { stack_.reserve(16); }
    ~Reader() {
        while (!stack_.empty()) pop();
    }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    Result<void> run();

    // Frames live in a small LIFO arena inside the reader (one per open
    // container, popped in reverse), not one heap allocation each.
    template <class F, class... A>
    void push(A&&... args) {
        static_assert(alignof(F) <= alignof(std::max_align_t));
        constexpr size_t size = (sizeof(F) + alignof(std::max_align_t) - 1) & ~(alignof(std::max_align_t) - 1);
        Slot slot{nullptr, arena_used_};
        if (arena_used_ + size <= sizeof arena_) {
            slot.frame = new (arena_ + arena_used_) F(std::forward<A>(args)...);
            arena_used_ += size;
        } else {
            slot.frame = new F(std::forward<A>(args)...);  // deeper than the arena: rare
            slot.heap = true;
        }
        slot.frame->start = here() ? here() - 1 : 0;
        stack_.push_back(slot);
    }
    void pop() {
        Slot s = stack_.back();
        stack_.pop_back();
        if (s.heap) {
            delete s.frame;
        } else {
            s.frame->~Frame();
            arena_used_ = s.arena_at;
        }
    }
    void skip(const Event& e) {
        if (e.kind == Kind::StartMap || e.kind == Kind::StartArray) skip_ = 1;
    }
    // An error about the value just read, located at its first byte.
    bool fail_value(const std::string& what) { return fail(what, value_start(), stack_.size()); }
    // An error about the container that is being closed, located at its start.
    bool fail_frame(const std::string& what) {
        return fail(what, stack_.back().frame->start, stack_.size() - 1);
    }
    bool type_error(const char* expected, const Event& e) {
        return fail_value(std::string("expected ") + expected + ", got " + kind_name(e.kind));
    }

    // yajl callbacks.
    int on_event(const Event& e) {
        if (skip_ > 0) {
            if (e.kind == Kind::StartMap || e.kind == Kind::StartArray) ++skip_;
            return 1;
        }
        cur_ = &e;
        return stack_.back().frame->value(*this, e) ? 1 : 0;
    }
    // A duplicate key at any depth is an error (Go's decoder would let the
    // last one win, which lets two readers of one document see different
    // configs).  Typed objects and maps find duplicates themselves (a bit
    // per field, the map's own lookup); the objects inside an unknown
    // property's value, which are skipped, get a key scope each.
    int on_start_map() {
        if (!on_event({Kind::StartMap, false, {}})) return 0;
        if (skip_ > 0) skipped_.emplace_back();
        return 1;
    }
    int on_key(std::string_view k) {
        if (k.find('\0') != std::string_view::npos) {
            std::string shown;  // as JSON spells it: a raw NUL would cut the message short
            for (char ch : k) shown += ch ? std::string(1, ch) : std::string("\\u0000");
            return fail_key(shown, "key contains a NUL character");
        }
        if (skip_ > 0) {
            if (skipped_.empty()) return 0;  // cannot happen: yajl reports keys inside objects
            KeyScope& sc = skipped_.back();
            for (const auto& seen : sc.seen)
                if (seen == k) return fail_key(std::string(k), "duplicate key");
            sc.seen.emplace_back(k);
            sc.last = k;
            return 1;
        }
        if (!stack_.back().frame->key(k)) return fail(std::string("duplicate key"), string_start(here()), stack_.size());
        return 1;
    }
    int on_end_map() {
        if (skip_ > 0 && !skipped_.empty()) skipped_.pop_back();
        return on_end();
    }
    int on_end() {
        if (skip_ > 0) {
            --skip_;
            return 1;
        }
        if (stack_.size() <= 1) return 0;  // cannot happen: yajl balances containers
        bool ok = stack_.back().frame->end(*this);
        pop();
        return ok ? 1 : 0;
    }

  private:
    // The keys of one skipped object: few, so a list.
    struct KeyScope {
        std::vector<std::string> seen;
        std::string last;  // the current key
    };
    struct Slot {
        Frame* frame;
        size_t arena_at;  // arena_used_ before this frame
        bool heap = false;
    };

    size_t here() const { return handle_ ? yajl_get_bytes_consumed(handle_) : 0; }
    size_t value_start() const;
    size_t string_start(size_t end) const;
    bool fail(const std::string& what, size_t at, size_t frames, std::string_view tail = {});
    bool fail_key(const std::string& key, const std::string& what);
    std::string located(std::string msg, size_t at) const;

    std::string_view doc_;
    std::string_view name_;
    yajl_handle handle_ = nullptr;
    std::vector<Slot> stack_;
    alignas(std::max_align_t) unsigned char arena_[2048];
    size_t arena_used_ = 0;
    int skip_ = 0;  // depth inside an unknown property's value
    std::vector<KeyScope> skipped_;  // one per open object inside a skipped value
    const Event* cur_ = nullptr;
    std::optional<Error> err_;
};

std::string Reader::located(std::string msg, size_t at) const {
    if (at > doc_.size()) at = doc_.size();
    size_t line = 1, line_start = 0;
    for (size_t i = 0; i < at; ++i)
        if (doc_[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    msg += " (line " + std::to_string(line) + ", column " + std::to_string(at - line_start + 1) + ")";
    return msg;
}

bool Reader::fail(const std::string& what, size_t at, size_t frames, std::string_view tail) {
    std::string path;
    for (size_t i = 0; i < frames && i < stack_.size(); ++i) stack_[i].frame->segment(path);
    if (!tail.empty()) {
        if (!path.empty()) path += '.';
        path += tail;
    }
    std::string msg(name_);
    msg += ": ";
    if (!path.empty()) msg += path + ": ";
    msg += what;
    err_ = Error::msg(located(std::move(msg), at));
    return false;
}

// A key just read: the path is that of the object holding it plus the key;
// inside a skipped (unknown) property, the keys of the skipped objects too.
bool Reader::fail_key(const std::string& key, const std::string& what) {
    size_t at = string_start(here());
    if (skip_ == 0) {
        // The holding frame's segment is its current key: make it this one.
        stack_.back().frame->key(key);
        return fail(what, at, stack_.size());
    }
    // Inside a skipped value the frames end at the unknown property; the
    // scopes of the objects opened while skipping name the rest.
    std::string tail;
    for (size_t i = 0; i + 1 < skipped_.size(); ++i) {
        if (skipped_[i].last.empty()) continue;
        tail += skipped_[i].last;
        tail += '.';
    }
    tail += key;
    return fail(what, at, stack_.size(), tail);
}

// The first byte of the JSON string that ends just before `end`.  Inside a
// JSON string every '"' is escaped, so the opening quote is the nearest one
// before the closing quote preceded by an even number of backslashes.
size_t Reader::string_start(size_t end) const {
    if (end == 0 || end > doc_.size()) return end;
    for (size_t j = end - 1; j-- > 0;) {
        if (doc_[j] != '"') continue;
        size_t bs = 0;
        while (bs < j && doc_[j - 1 - bs] == '\\') ++bs;
        if (bs % 2 == 0) return j;
    }
    return 0;
}

// yajl reports how far it has consumed, which is just past the current token;
// walk back to the token's first byte.
size_t Reader::value_start() const {
    size_t end = here();
    if (!cur_) return end;
    size_t len = 0;
    switch (cur_->kind) {
        case Kind::Null: len = 4; break;
        case Kind::Bool: len = cur_->b ? 4 : 5; break;
        case Kind::Number: len = cur_->text.size(); break;
        case Kind::StartMap:
        case Kind::StartArray: len = 1; break;
        case Kind::String: return string_start(end);
    }
    return end >= len ? end - len : 0;
}

Reader* self(void* ctx) { return static_cast<Reader*>(ctx); }

int cb_null(void* c) { return self(c)->on_event({Kind::Null, false, {}}); }
int cb_bool(void* c, int b) { return self(c)->on_event({Kind::Bool, b != 0, {}}); }
int cb_number(void* c, const char* s, size_t n) {
    return self(c)->on_event({Kind::Number, false, {s, n}});
}
int cb_string(void* c, const unsigned char* s, size_t n) {
    return self(c)->on_event({Kind::String, false, {reinterpret_cast<const char*>(s), n}});
}
int cb_start_map(void* c) { return self(c)->on_start_map(); }
int cb_start_array(void* c) { return self(c)->on_event({Kind::StartArray, false, {}}); }
int cb_key(void* c, const unsigned char* s, size_t n) {
    return self(c)->on_key({reinterpret_cast<const char*>(s), n});
}
int cb_end_map(void* c) { return self(c)->on_end_map(); }
int cb_end_array(void* c) { return self(c)->on_end(); }

const yajl_callbacks kCallbacks = {
    cb_null, cb_bool, nullptr, nullptr, cb_number, cb_string,
    cb_start_map, cb_key, cb_end_map, cb_start_array, cb_end_array,
};

Result<void> Reader::run() {
    std::unique_ptr<yajl_handle_t, decltype(&yajl_free)> h(
        yajl_alloc(&kCallbacks, nullptr, this), &yajl_free);
    if (!h) return Error::msg(std::string(name_) + ": out of memory");
    handle_ = h.get();
    const auto* text = reinterpret_cast<const unsigned char*>(doc_.data());
    yajl_status st = yajl_parse(handle_, text, doc_.size());
    // yajl stops just past the offending token; point at its last byte.
    size_t at = yajl_get_bytes_consumed(handle_);
    at = at > 0 ? at - 1 : 0;
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(handle_);
        at = doc_.size();
    }
    handle_ = nullptr;
    if (st == yajl_status_client_canceled)
        return err_ ? *err_ : Error::msg(std::string(name_) + ": parse cancelled");
    if (st != yajl_status_ok) {
        unsigned char* m = yajl_get_error(h.get(), 0, text, doc_.size());
        std::string why = m ? reinterpret_cast<const char*>(m) : "parse error";
        if (m) yajl_free_error(h.get(), m);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        return Error::msg(located(std::string(name_) + ": invalid JSON: " + why, at));
    }
    return ok();
}

// ---- accepting one value into a typed destination --------------------------

template <class I>
std::string int_range() {
    if constexpr (std::is_same_v<I, uint64_t>) return "uint64 (0..18446744073709551615)";
    else if constexpr (std::is_same_v<I, int64_t>)
        return "int64 (-9223372036854775808..9223372036854775807)";
    else if constexpr (std::is_same_v<I, uint32_t>) return "uint32 (0..4294967295)";
    else if constexpr (std::is_same_v<I, int32_t>) return "int32 (-2147483648..2147483647)";
    else if constexpr (std::is_same_v<I, uint16_t>) return "uint16 (0..65535)";
    else static_assert(sizeof(I) == 0, "unsupported integer type");
}

template <class E>
std::string enum_choices() {
    std::string s = "one of ";
    bool first = true;
    for (auto n : EnumInfo<E>::names) {
        if (!first) s += ", ";
        first = false;
        s += '"';
        s += n;
        s += '"';
    }
    return s;
}

template <class T> struct ObjectFrame;
template <class E> struct ArrayFrame;
template <class E> struct MapFrame;

template <class X>
bool accept(Reader& r, X& out, const Event& e, CheckFor<X> check = nullptr) {
    if constexpr (IsOpt<X>::value) {
        // Go-based runtimes treat null as "absent"; so do we, for optional properties.
        if (e.kind == Kind::Null) {
            out.reset();
            return true;
        }
        out.emplace();
        return accept(r, *out, e, check);
    } else if constexpr (IsVec<X>::value) {
        if (e.kind != Kind::StartArray) return r.type_error("array", e);
        out.clear();
        r.template push<ArrayFrame<typename X::value_type>>(out, check);
        return true;
    } else if constexpr (IsMap<X>::value) {
        if (e.kind != Kind::StartMap) return r.type_error("object", e);
        out.clear();
        r.template push<MapFrame<typename X::mapped_type>>(out);
        return true;
    } else if constexpr (Described<X>::value) {
        if (e.kind != Kind::StartMap) return r.type_error("object", e);
        out = X{};
        r.template push<ObjectFrame<X>>(out);
        return true;
    } else {
        if constexpr (std::is_same_v<X, bool>) {
            if (e.kind != Kind::Bool) return r.type_error("boolean", e);
            out = e.b;
        } else if constexpr (std::is_same_v<X, std::string>) {
            if (e.kind != Kind::String) return r.type_error("string", e);
            // Every string ends up as a C string (path, argv, hostname...):
            // one with a NUL would be silently cut short there.
            if (e.text.find('\0') != std::string_view::npos)
                return r.fail_value("must not contain a NUL character");
            out.assign(e.text);
        } else if constexpr (std::is_enum_v<X>) {
            if (e.kind != Kind::String) return r.type_error("string", e);
            auto v = enum_parse<X>(e.text);
            if (!v)
                return r.fail_value("expected " + enum_choices<X>() + ", got \"" +
                                    std::string(e.text) + "\"");
            out = *v;
        } else {
            static_assert(std::is_integral_v<X>, "no reader for this type");
            if (e.kind != Kind::Number) return r.type_error("integer", e);
            const char* b = e.text.data();
            const char* end = b + e.text.size();
            if (e.text.find_first_of(".eE") != std::string_view::npos)
                return r.fail_value("expected integer, got " + std::string(e.text));
            auto [p, ec] = std::from_chars(b, end, out);
            if (ec != std::errc() || p != end)
                return r.fail_value("expected " + int_range<X>() + ", got " + std::string(e.text));
        }
        if (check) {
            std::string why = check(out);
            if (!why.empty()) return r.fail_value(why);
        }
        return true;
    }
}

// Finds the index of the field a key names (-1: unknown), once per key.
// The names are string literals: their lengths are known at compile time,
// so most fields are passed over on a length compare.
struct KeyVisitor {
    std::string_view key;
    int index = 0;
    int found = -1;
    const char* name = nullptr;  // the field's name, static

    template <size_t N, class X>
    void operator()(const char (&n)[N], X&, CheckFor<X> = nullptr) {
        if (found < 0 && key.size() == N - 1 && std::char_traits<char>::compare(key.data(), n, N - 1) == 0) {
            found = index;
            name = n;
        }
        ++index;
    }
    template <size_t N, class X>
    void req(const char (&n)[N], X& f, CheckFor<X> c = nullptr) {
        (*this)(n, f, c);
    }
};

// Reads a value into the field found by KeyVisitor.
struct ValueVisitor {
    Reader& r;
    const Event& e;
    int target;
    int index = 0;
    bool ok = true;

    template <class X>
    void operator()(const char*, X& f, CheckFor<X> c = nullptr) {
        if (index++ == target) ok = accept(r, f, e, c);
    }
    template <class X>
    void req(const char* n, X& f, CheckFor<X> c = nullptr) {
        (*this)(n, f, c);
    }
};

// Finds the first required field not seen in the object.
struct MissingVisitor {
    uint64_t seen;
    int index = 0;
    const char* missing = nullptr;

    template <class X>
    void operator()(const char*, X&, CheckFor<X> = nullptr) {
        ++index;
    }
    template <class X>
    void req(const char* name, X&, CheckFor<X> = nullptr) {
        if (!missing && !(seen & (uint64_t{1} << index))) missing = name;
        ++index;
    }
};

template <class T>
struct ObjectFrame final : Frame {
    T& obj;
    int field_ = -1;                 // the current key's field, -1: unknown
    const char* name_ = nullptr;     // its name (a static string), or
    std::string unknown_;            // the unknown key
    std::vector<std::string> unknown_seen_;  // unknown keys so far (rare)
    uint64_t seen = 0;

    explicit ObjectFrame(T& o) : obj(o) {}
    bool key(std::string_view k) override {
        KeyVisitor m{k};
        describe(m, obj);
        field_ = m.found;
        name_ = m.name;
        if (field_ >= 0) {
            const uint64_t bit = uint64_t{1} << field_;
            if (seen & bit) return false;
            seen |= bit;
            return true;
        }
        unknown_.assign(k);
        for (const auto& u : unknown_seen_)
            if (u == k) return false;
        unknown_seen_.emplace_back(k);
        return true;
    }
    bool value(Reader& r, const Event& e) override {
        if (field_ < 0) {
            r.skip(e);  // unknown properties are ignored, as the spec requires
            return true;
        }
        ValueVisitor m{r, e, field_};
        describe(m, obj);
        return m.ok;
    }
    bool end(Reader& r) override {
        MissingVisitor m{seen};
        describe(m, obj);
        if (m.missing)
            return r.fail_frame(std::string("missing required property \"") + m.missing + "\"");
        return true;
    }
    void segment(std::string& path) const override {
        if (!path.empty()) path += '.';
        if (field_ >= 0) path += name_;
        else path += unknown_;
    }
};

template <class E>
struct ArrayFrame final : Frame {
    std::vector<E>& vec;
    CheckFor<std::vector<E>> check;

    ArrayFrame(std::vector<E>& v, CheckFor<std::vector<E>> c) : vec(v), check(c) {}
    bool value(Reader& r, const Event& e) override {
        if (vec.empty()) vec.reserve(8);  // config lists are short: grow once or twice, not 1, 2, 4, 8...
        vec.emplace_back();
        return accept(r, vec.back(), e);
    }
    bool end(Reader& r) override {
        if (!check) return true;
        std::string why = check(vec);
        return why.empty() || r.fail_frame(why);
    }
    void segment(std::string& path) const override {
        path += '[';
        path += std::to_string(vec.empty() ? 0 : vec.size() - 1);
        path += ']';
    }
};

template <class E>
struct MapFrame final : Frame {
    std::map<std::string, E>& map;
    typename std::map<std::string, E>::iterator slot_;  // the current key's entry

    explicit MapFrame(std::map<std::string, E>& m) : map(m), slot_(m.end()) {}
    bool key(std::string_view k) override {
        // The entry is made at its key, once: a second one is a duplicate.
        auto [it, fresh] = map.try_emplace(std::string(k));
        slot_ = it;
        return fresh;
    }
    bool value(Reader& r, const Event& e) override { return accept(r, slot_->second, e); }
    void segment(std::string& path) const override {
        if (!path.empty()) path += '.';
        if (slot_ != map.end()) path += slot_->first;
    }
};

// The document itself: exactly one top-level object.
template <class T>
struct TopFrame final : Frame {
    T& doc;
    bool& seen;
    TopFrame(T& d, bool& s) : doc(d), seen(s) {}
    bool value(Reader& r, const Event& e) override {
        seen = true;
        return accept(r, doc, e);
    }
    void segment(std::string&) const override {}
};

template <class T>
Result<T> parse_doc(std::string_view json, std::string_view name) {
    T out{};
    bool seen = false;
    Reader r(json, name);
    r.push<TopFrame<T>>(out, seen);
    TRY(r.run());
    // yajl accepts an input of only whitespace as an empty stream.
    if (!seen) return Error::msg(std::string(name) + ": invalid JSON: empty document");
    return out;
}

}  // namespace
}  // namespace detail

Result<Config> parse_config(std::string_view json, std::string_view name) {
    return detail::parse_doc<Config>(json, name);
}
Result<Process> parse_process(std::string_view json, std::string_view name) {
    return detail::parse_doc<Process>(json, name);
}
Result<Resources> parse_resources(std::string_view json, std::string_view name) {
    return detail::parse_doc<Resources>(json, name);
}
Result<State> parse_state(std::string_view json, std::string_view name) {
    return detail::parse_doc<State>(json, name);
}
Result<Features> parse_features(std::string_view json, std::string_view name) {
    return detail::parse_doc<Features>(json, name);
}

Result<Config> load_config(const std::string& path) {
    // libocispec knows nothing of the runtime's fd type; a local guard suffices.
    struct Fd {
        int fd;
        ~Fd() {
            if (fd >= 0) ::close(fd);
        }
    } f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0) return Error::sys("open " + path, errno);
    // One read into a buffer of the file's size (plus one byte, to see the
    // end in the same call), not a 64 KiB stack buffer copied piecewise:
    // a cold process pays a page fault for every new page it touches.
    // Not a std::string: that would zero the buffer before the read fills it.
    struct stat st {};
    size_t cap = ::fstat(f.fd, &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) + 1 : 4096;
    auto text = std::make_unique_for_overwrite<char[]>(cap);
    size_t len = 0;
    for (;;) {
        if (len == cap) {  // the file grew (or fstat could not say)
            auto bigger = std::make_unique_for_overwrite<char[]>(cap * 2);
            std::memcpy(bigger.get(), text.get(), len);
            text = std::move(bigger);
            cap *= 2;
        }
        ssize_t n = ::read(f.fd, text.get() + len, cap - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error::sys("read " + path, errno);
        if (n == 0) break;
        len += static_cast<size_t>(n);
    }
    return parse_config(std::string_view(text.get(), len), path);
}

}  // namespace oci
