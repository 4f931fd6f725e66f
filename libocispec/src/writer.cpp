// The writer walks the same field lists as the reader (describe.hpp) and
// emits through yajl_gen; absent optional properties are left out, so a
// parsed document is written back with the same properties it had.
#include <yajl/yajl_gen.h>

#include <charconv>
#include <memory>
#include <string>

#include "describe.hpp"
#include "ocispec/json.hpp"

namespace oci {
namespace detail {
namespace {

class Writer {
  public:
    explicit Writer(bool pretty) : g_(yajl_gen_alloc(nullptr), &yajl_gen_free) {
        if (pretty) {
            yajl_gen_config(g_.get(), yajl_gen_beautify, 1);
            yajl_gen_config(g_.get(), yajl_gen_indent_string, "\t");  // as runc's `spec`
        }
    }

    template <class X>
    void operator()(const char* name, X& f, CheckFor<X> = nullptr) {
        field(name, f);
    }
    template <class X>
    void req(const char* name, X& f, CheckFor<X> = nullptr) {
        field(name, f);
    }

    template <class X>
    void emit(const X& v) {
        yajl_gen g = g_.get();
        if constexpr (IsOpt<X>::value) {
            if (v) emit(*v);
            else yajl_gen_null(g);
        } else if constexpr (IsVec<X>::value) {
            yajl_gen_array_open(g);
            for (const auto& e : v) emit(e);
            yajl_gen_array_close(g);
        } else if constexpr (IsMap<X>::value) {
            yajl_gen_map_open(g);
            for (const auto& [k, e] : v) {
                str(k);
                emit(e);
            }
            yajl_gen_map_close(g);
        } else if constexpr (Described<X>::value) {
            yajl_gen_map_open(g);
            // describe() is shared with the reader and so takes a mutable
            // reference; the writer only reads through it.
            describe(*this, const_cast<X&>(v));
            yajl_gen_map_close(g);
        } else if constexpr (std::is_same_v<X, bool>) {
            yajl_gen_bool(g, v ? 1 : 0);
        } else if constexpr (std::is_same_v<X, std::string>) {
            str(v);
        } else if constexpr (std::is_enum_v<X>) {
            str(enum_name(v));
        } else {
            static_assert(std::is_integral_v<X>, "no writer for this type");
            // yajl_gen_integer takes long long; uint64 values need the text form.
            char buf[24];
            auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
            (void)ec;
            yajl_gen_number(g, buf, static_cast<size_t>(p - buf));
        }
    }

    std::string finish() {
        const unsigned char* buf = nullptr;
        size_t len = 0;
        yajl_gen_get_buf(g_.get(), &buf, &len);
        return std::string(reinterpret_cast<const char*>(buf), len);
    }

  private:
    template <class X>
    void field(const char* name, const X& f) {
        if constexpr (IsOpt<X>::value) {
            if (!f) return;
        }
        str(name);
        emit(f);
    }
    void str(std::string_view s) {
        yajl_gen_string(g_.get(), reinterpret_cast<const unsigned char*>(s.data()), s.size());
    }

    std::unique_ptr<yajl_gen_t, decltype(&yajl_gen_free)> g_;
};

template <class T>
std::string write_doc(const T& doc, bool pretty) {
    Writer w(pretty);
    w.emit(doc);
    return w.finish();
}

}  // namespace
}  // namespace detail

std::string write_config(const Config& c, bool pretty) { return detail::write_doc(c, pretty); }
std::string write_process(const Process& p, bool pretty) { return detail::write_doc(p, pretty); }
std::string write_state(const State& s, bool pretty) { return detail::write_doc(s, pretty); }
std::string write_features(const Features& f, bool pretty) { return detail::write_doc(f, pretty); }

}  // namespace oci
