// `skiff check [--bundle DIR] [--format table|json]`: what this host offers,
// and whether a bundle can run on it.  Exit 0 when nothing FAILs.
#include <yajl/yajl_gen.h>

#include <cstdio>
#include <memory>

#include "cli/check_host.hpp"
#include "cli/commands.hpp"

namespace skiff::cli {
namespace {

constexpr FlagSpec flags[] = {
    {"bundle", 'b', true, "DIR", "also check this bundle's config.json against the host"},
    {"format", 'f', true, "table|json", "output format (default: table)"},
};

const char* verdict_name(Verdict v) {
    switch (v) {
        case Verdict::Ok: return "OK";
        case Verdict::Warn: return "WARN";
        case Verdict::Fail: return "FAIL";
    }
    return "FAIL";
}

void print_table(const char* title, const std::vector<CheckItem>& items) {
    size_t w = 0;
    for (const auto& i : items) w = std::max(w, i.name.size());
    printf("%s\n", title);
    for (const auto& i : items)
        printf("  %-4s  %-*s  %s\n", verdict_name(i.verdict), static_cast<int>(w), i.name.c_str(), i.detail.c_str());
}

void gen_str(yajl_gen g, std::string_view s) {
    yajl_gen_string(g, reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

void gen_items(yajl_gen g, const std::vector<CheckItem>& items) {
    yajl_gen_array_open(g);
    for (const auto& i : items) {
        yajl_gen_map_open(g);
        gen_str(g, "check");
        gen_str(g, i.name);
        gen_str(g, "status");
        std::string v = verdict_name(i.verdict);
        for (auto& ch : v) ch = static_cast<char>(ch - 'A' + 'a');
        gen_str(g, v);
        gen_str(g, "detail");
        gen_str(g, i.detail);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
}

bool any_fail(const std::vector<CheckItem>& items) {
    for (const auto& i : items)
        if (i.verdict == Verdict::Fail) return true;
    return false;
}

int run_check(Context& ctx, const Parsed& p) {
    if (!check_arg_count(ctx, p, 0, 0)) return 1;
    std::string format = p.get("format", "table");
    if (format != "table" && format != "json")
        return usage_error(ctx, "invalid format \"" + format + "\": expected table or json");
    HostProbe h = probe_host();
    std::vector<CheckItem> host = host_checks(h);
    std::vector<CheckItem> bundle;
    std::string bundle_dir;
    if (p.has("bundle")) {
        auto abs = absolute_path(p.get("bundle"));
        if (!abs.ok()) return fail(ctx, "", abs.error());
        bundle_dir = *abs;
        bundle = bundle_checks(bundle_dir, h);
    }
    bool ok = !any_fail(host) && !any_fail(bundle);
    if (format == "json") {
        std::unique_ptr<std::remove_pointer_t<yajl_gen>, void (*)(yajl_gen)> g(yajl_gen_alloc(nullptr), yajl_gen_free);
        yajl_gen_config(g.get(), yajl_gen_beautify, 1);
        yajl_gen_config(g.get(), yajl_gen_indent_string, "  ");
        yajl_gen_map_open(g.get());
        gen_str(g.get(), "host");
        gen_items(g.get(), host);
        if (!bundle_dir.empty()) {
            gen_str(g.get(), "bundle");
            gen_str(g.get(), bundle_dir);
            gen_str(g.get(), "bundleChecks");
            gen_items(g.get(), bundle);
        }
        gen_str(g.get(), "ok");
        yajl_gen_bool(g.get(), ok);
        yajl_gen_map_close(g.get());
        const unsigned char* buf = nullptr;
        size_t len = 0;
        yajl_gen_get_buf(g.get(), &buf, &len);
        fwrite(buf, 1, len, stdout);
        if (len == 0 || buf[len - 1] != '\n') fputc('\n', stdout);
    } else {
        print_table("host:", host);
        if (!bundle_dir.empty()) print_table(("bundle " + bundle_dir + ":").c_str(), bundle);
        printf("%s\n", ok ? "result: OK" : "result: FAIL");
    }
    return ok ? 0 : 1;
}

}  // namespace

const Command& cmd_check() {
    static const Command c{"check", "check [command options]",
                           "report host facts and whether a bundle can run here (skiff only)", flags, false,
                           run_check};
    return c;
}

}  // namespace skiff::cli
