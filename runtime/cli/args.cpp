// Implements cli/args.hpp.
#include "cli/args.hpp"

#include <csignal>
#include <cstring>
#include <optional>

namespace skiff::cli {

using oci::Error;
using oci::Result;

std::string Parsed::get(std::string_view name, std::string_view def) const {
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return std::string(def);
    return it->second.back();
}

std::vector<std::string> Parsed::all(std::string_view name) const {
    auto it = values.find(name);
    return it == values.end() ? std::vector<std::string>{} : it->second;
}

namespace {

const FlagSpec* find_flag(std::span<const FlagSpec> specs, std::string_view name) {
    for (const auto& f : specs) {
        if (f.name == name) return &f;
        if (name.size() == 1 && f.short_name == name[0]) return &f;
    }
    return nullptr;
}

Result<std::string> bool_value(std::string_view v, std::string_view spelled) {
    // Go's strconv.ParseBool spellings.
    for (auto t : {"1", "t", "T", "TRUE", "true", "True"})
        if (v == t) return std::string("true");
    for (auto f : {"0", "f", "F", "FALSE", "false", "False"})
        if (v == f) return std::string("false");
    return Error::msg("invalid boolean value \"" + std::string(v) + "\" for \"" + std::string(spelled) + "\"");
}

}  // namespace

Result<Parsed> parse_flags(std::span<const FlagSpec> specs, std::span<const std::string> args,
                           std::string_view command, bool stop_at_positional) {
    Parsed out;
    bool flags_done = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (flags_done || a.size() < 2 || a[0] != '-') {
            out.positional.push_back(a);
            if (stop_at_positional) flags_done = true;
            continue;
        }
        if (a == "--") {
            flags_done = true;
            continue;
        }
        // "-x", "-name", "--name", each optionally "=value".
        std::string_view body = a;
        body.remove_prefix(a[1] == '-' ? 2 : 1);
        std::string_view name = body;
        std::optional<std::string_view> inline_value;
        if (auto eq = body.find('='); eq != std::string_view::npos) {
            name = body.substr(0, eq);
            inline_value = body.substr(eq + 1);
        }
        std::string spelled = a.substr(0, a.size() - body.size()) + std::string(name);
        const FlagSpec* f = name.empty() ? nullptr : find_flag(specs, name);
        // Go's flag package treats "-b" and "--b" alike, so both reach the short flag.
        if (!f)
            return Error::msg("unknown flag \"" + spelled + "\" for \"" + std::string(command) + "\"");
        std::string value;
        if (!f->takes_value) {
            if (inline_value) {
                TRY_ASSIGN(value, bool_value(*inline_value, spelled));
            } else {
                value = "true";
            }
        } else if (inline_value) {
            value = std::string(*inline_value);
        } else {
            if (i + 1 >= args.size())
                return Error::msg("flag \"" + spelled + "\" for \"" + std::string(command) + "\" needs a value");
            value = args[++i];
        }
        out.values[std::string(f->name)].push_back(std::move(value));
    }
    return out;
}

Result<int> parse_nonneg_int(std::string_view s, std::string_view what) {
    if (s.empty() || s.size() > 9) return Error::msg(std::string(what) + ": invalid number \"" + std::string(s) + "\"");
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return Error::msg(std::string(what) + ": invalid number \"" + std::string(s) + "\"");
        v = v * 10 + (c - '0');
    }
    return v;
}

Result<int> parse_signal(std::string_view s) {
    auto bad = [&] { return Error::msg("unknown signal \"" + std::string(s) + "\""); };
    if (s.empty()) return bad();
    if (s[0] >= '0' && s[0] <= '9') {
        auto n = parse_nonneg_int(s, "signal");
        // 0 is valid, as for kill(2) and runc: it only checks the target is alive.
        if (!n.ok() || *n < 0 || *n > SIGRTMAX) return bad();
        return *n;
    }
    std::string up;
    for (char c : s) up += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    if (up.rfind("SIG", 0) == 0) up.erase(0, 3);

    struct Alias {
        const char* name;
        int sig;
    };
    static const Alias aliases[] = {{"IOT", SIGABRT}, {"CLD", SIGCHLD}, {"POLL", SIGIO}, {"UNUSED", SIGSYS}};
    for (const auto& al : aliases)
        if (up == al.name) return al.sig;
    for (int n = 1; n < SIGRTMIN; ++n) {
        const char* abbrev = sigabbrev_np(n);
        if (abbrev && up == abbrev) return n;
    }
    // RTMIN, RTMIN+N, RTMAX, RTMAX-N, as kill(1) spells them.
    auto rt = [&](std::string_view base, int origin, int dir) -> std::optional<int> {
        if (up.rfind(base, 0) != 0) return std::nullopt;
        std::string_view rest = std::string_view(up).substr(base.size());
        if (rest.empty()) return origin;
        char sign = dir > 0 ? '+' : '-';
        if (rest[0] != sign) return std::nullopt;
        auto off = parse_nonneg_int(rest.substr(1), "signal");
        if (!off.ok()) return std::nullopt;
        int sig = origin + dir * *off;
        if (sig < SIGRTMIN || sig > SIGRTMAX) return std::nullopt;
        return sig;
    };
    if (auto v = rt("RTMIN", SIGRTMIN, +1)) return *v;
    if (auto v = rt("RTMAX", SIGRTMAX, -1)) return *v;
    return bad();
}

}  // namespace skiff::cli
