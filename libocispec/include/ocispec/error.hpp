// Errors as values: every failure carries a message naming the step, the
// path or field, and the errno text.  Shared by libocispec and the runtime.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace oci {

struct Error {
    std::string message;  // complete, human-readable, without trailing newline
    int err = 0;          // errno when the failure came from the kernel, else 0

    // "what: strerror(err)" — e.g. sys("mount \"proc\" on \"/proc\"", EPERM)
    static Error sys(std::string what, int e) {
        Error r;
        r.message = std::move(what);
        r.message += ": ";
        r.message += std::strerror(e);
        r.err = e;
        return r;
    }
    static Error msg(std::string what) { return Error{std::move(what), 0}; }

    // Prefix context: err.wrap("create c1") -> "create c1: <message>"
    Error wrap(const std::string& ctx) const& { return Error{ctx + ": " + message, err}; }
    Error wrap(const std::string& ctx) && {
        message.insert(0, ctx + ": ");
        return std::move(*this);
    }
};

// Minimal expected<T, Error> (C++20 has no std::expected).
template <class T>
class [[nodiscard]] Result {
  public:
    Result(T v) : v_(std::in_place_index<0>, std::move(v)) {}
    Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    const T& value() const& { return std::get<0>(v_); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error& error() const& { return std::get<1>(v_); }
    Error&& error() && { return std::get<1>(std::move(v_)); }
    // Adds context to an error, passes a value through.
    Result wrap(const std::string& ctx) && {
        if (!ok()) return std::move(std::get<1>(v_)).wrap(ctx);
        return std::move(*this);
    }

  private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error e) : e_(std::move(e)), failed_(true) {}
    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const& { return e_; }
    Error&& error() && { return std::move(e_); }
    Result wrap(const std::string& ctx) && {
        if (failed_) e_ = std::move(e_).wrap(ctx);
        return std::move(*this);
    }

  private:
    Error e_;
    bool failed_ = false;
};

inline Result<void> ok() { return {}; }

// "s" with its quotes, for messages.  Built by appends: GCC 12 at -O3 warns
// falsely (-Wrestrict) on "\"" + std::string(s).
inline std::string quote(std::string_view s) {
    std::string q;
    q.reserve(s.size() + 2);
    q += '"';
    q += s;
    q += '"';
    return q;
}

}  // namespace oci

// Propagate an error: TRY(expr) for Result<void>, TRY_ASSIGN(var, expr) for values.
#define SKIFF_CAT2(a, b) a##b
#define SKIFF_CAT(a, b) SKIFF_CAT2(a, b)
#define TRY(expr)                                      \
    do {                                               \
        auto&& skiff_r_ = (expr);                      \
        if (!skiff_r_.ok()) return std::move(skiff_r_).error(); \
    } while (0)
#define TRY_ASSIGN_IMPL(tmp, decl, expr)               \
    auto tmp = (expr);                                 \
    if (!tmp.ok()) return std::move(tmp).error();      \
    decl = std::move(tmp).value()
// Expands to several statements: never use it as the body of a braceless if.
#define TRY_ASSIGN(decl, expr) TRY_ASSIGN_IMPL(SKIFF_CAT(skiff_t_, __COUNTER__), decl, expr)
