// The config half of the start path (issue #15): load_config, validate_config
// and the parent's plans (namespaces, rootfs and devices, process, seccomp,
// hooks, cgroup), as `skiff create` runs them (runtime/core/create.cpp).
//
//   parse-bench [N]           the `skiff spec` config in a temporary bundle:
//                             median µs per stage over N in-process runs
//   parse-bench FILE [N]      parse_config and write_config of FILE (e.g. the
//                             runtime-spec example): µs per call
//   parse-bench --once [FILE] one cold load + validate (+ plans for the
//                             default config) and nothing else: for
//                             callgrind/perf of the cold path (cold.sh).
//                             Each stage is its own function
//                             (skiff_bench_load, _validate, _plans).
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cgroups/manager.hpp"
#include "cli/spec_default.hpp"
#include "core/rootless.hpp"
#include "linux/hooks.hpp"
#include "linux/host.hpp"
#include "linux/namespaces.hpp"
#include "linux/process.hpp"
#include "linux/rootfs.hpp"
#include "ocispec/json.hpp"
#include "seccomp/seccomp.hpp"

using namespace skiff;

namespace {

struct Bundle {
    std::string dir;
    std::string config;
};

// A bundle with the `skiff spec` config and an empty rootfs directory.
Bundle make_bundle() {
    char tmpl[] = "/tmp/skiff-parse-bench.XXXXXX";
    if (!::mkdtemp(tmpl)) {
        std::perror("parse-bench: mkdtemp");
        std::exit(1);
    }
    Bundle b{tmpl, std::string(tmpl) + "/config.json"};
    ::mkdir((b.dir + "/rootfs").c_str(), 0755);
    std::ofstream out(b.config);
    out << oci::write_config(cli::default_spec(cli::SpecOptions{}), true);
    return b;
}

void remove_bundle(const Bundle& b) {
    ::unlink(b.config.c_str());
    ::rmdir((b.dir + "/rootfs").c_str());
    ::rmdir(b.dir.c_str());
}

[[noreturn]] void die(const oci::Error& e) {
    std::fprintf(stderr, "parse-bench: %s\n", e.message.c_str());
    std::exit(1);
}

}  // namespace

// The stages, out of line and unmangled so that callgrind names them.
extern "C" __attribute__((noinline)) void* skiff_bench_load(const std::string* path) {
    auto c = oci::load_config(*path);
    if (!c) die(c.error());
    return new oci::Config(std::move(c).value());
}

extern "C" __attribute__((noinline)) int skiff_bench_validate(const oci::Config* c, const std::string* path) {
    auto r = oci::validate_config(*c, *path);
    if (!r) die(r.error());
    return 0;
}

// What create_container plans between "config parsed" and "plans ready".
extern "C" __attribute__((noinline)) int skiff_bench_plans(const oci::Config* cp, const std::string* bundle,
                                                          const linux::HostFacts* hp) {
    const oci::Config& cfg = *cp;
    const linux::HostFacts& host = *hp;
    auto ns = linux::plan_namespaces(cfg, host);
    if (!ns) die(ns.error());
    if (auto r = core::check_rootless_config(host, cfg); !r) die(r.error());
    oci::Process process = *cfg.process;
    linux::RootfsOptions ro;
    ro.in_user_namespace = ns->new_user || oci::find_namespace(cfg, oci::NamespaceType::User) || host.nested_userns;
    ro.new_mount_namespace = ns->new_mount;
    ro.host = host;
    auto rootfs = linux::plan_rootfs(cfg, *bundle, ro);
    if (!rootfs) die(rootfs.error());
    auto proc = linux::plan_process(cfg, process);
    if (!proc) die(proc.error());
    if (cfg.linux && cfg.linux->seccomp) {
        auto s = seccomp::compile(*cfg.linux->seccomp, "");
        if (!s) die(s.error());
    }
    if (cfg.hooks) {
        auto h1 = linux::prepare_hooks(cfg.hooks->createContainer, "createContainer");
        auto h2 = linux::prepare_hooks(cfg.hooks->startContainer, "startContainer");
    }
    const auto cg = cgroups::make_manager(cgroups::Driver::Fs, host);
    if (auto r = cg->plan(cfg, "parse-bench"); !r) die(r.error());
    return 0;
}

namespace {

using Clock = std::chrono::steady_clock;

double us_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

long minflt() {
    struct rusage ru {};
    ::getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

// Cold: each stage once, in a fresh process; wall time and the page faults
// (first touches of heap and stack) each one took.
int once(const char* file) {
    Bundle b;
    if (file) b = {"", file};
    else b = make_bundle();
    const linux::HostFacts host = linux::detect_host_facts(std::nullopt);
    long f0 = minflt();
    auto t0 = Clock::now();
    auto* cfg = static_cast<oci::Config*>(skiff_bench_load(&b.config));
    double load = us_since(t0);
    long f1 = minflt();
    t0 = Clock::now();
    skiff_bench_validate(cfg, &b.config);
    double validate = us_since(t0);
    long f2 = minflt();
    double plans = 0;
    long f3 = f2;
    if (!file) {
        t0 = Clock::now();
        skiff_bench_plans(cfg, &b.dir, &host);
        plans = us_since(t0);
        f3 = minflt();
        remove_bundle(b);
    }
    std::printf("cold: load_config %.1f us (%ld faults), validate %.1f us (%ld faults)", load, f1 - f0, validate,
                f2 - f1);
    if (!file) std::printf(", plans %.1f us (%ld faults)", plans, f3 - f2);
    std::printf("\n");
    delete cfg;
    return 0;
}

// Warm: the three stages of the default config, each timed per call.
int stages(long n) {
    const Bundle b = make_bundle();
    const linux::HostFacts host = linux::detect_host_facts(std::nullopt);
    std::vector<double> load, validate, plans;
    load.reserve(static_cast<size_t>(n));
    validate.reserve(static_cast<size_t>(n));
    plans.reserve(static_cast<size_t>(n));
    size_t size = 0;
    for (long i = 0; i < n; ++i) {
        auto t0 = Clock::now();
        auto* cfg = static_cast<oci::Config*>(skiff_bench_load(&b.config));
        load.push_back(us_since(t0));
        t0 = Clock::now();
        skiff_bench_validate(cfg, &b.config);
        validate.push_back(us_since(t0));
        t0 = Clock::now();
        skiff_bench_plans(cfg, &b.dir, &host);
        plans.push_back(us_since(t0));
        size = cfg->mounts ? cfg->mounts->size() : 0;
        delete cfg;
    }
    struct stat st {};
    ::stat(b.config.c_str(), &st);
    remove_bundle(b);
    std::printf("skiff spec config: %lld bytes, %zu mounts, %ld runs (median us per call)\n",
                static_cast<long long>(st.st_size), size, n);
    std::printf("load_config: %8.2f us\n", median(load));
    std::printf("validate:    %8.2f us\n", median(validate));
    std::printf("plans:       %8.2f us\n", median(plans));
    return 0;
}

// parse_config and write_config of one document, in memory.
int parse_write(const std::string& path, long n) {
    std::ifstream in(path);
    if (!in) {
        std::fprintf(stderr, "parse-bench: cannot open %s\n", path.c_str());
        return 1;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string doc = ss.str();

    // Warm up, and fail loudly rather than time an error path.
    auto first = oci::parse_config(doc, path);
    if (!first) die(first.error());
    size_t sink = 0;
    std::vector<double> parse, write;
    parse.reserve(static_cast<size_t>(n));
    write.reserve(static_cast<size_t>(n));
    for (long i = 0; i < n; ++i) {
        auto t0 = Clock::now();
        auto c = oci::parse_config(doc, path);
        parse.push_back(us_since(t0));
        sink += c->ociVersion.size();  // keeps the result observable
    }
    for (long i = 0; i < n; ++i) {
        auto t0 = Clock::now();
        sink += oci::write_config(*first, false).size();
        write.push_back(us_since(t0));
    }
    double us = median(parse);
    std::printf("%s: %zu bytes, %ld iterations (median)\n", path.c_str(), doc.size(), n);
    std::printf("parse: %.2f us per parse (%.1f MB/s)\n", us, static_cast<double>(doc.size()) / us);
    std::printf("write: %.2f us per write\n", median(write));
    return sink == 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--once") == 0) return once(argc > 2 ? argv[2] : nullptr);
    const bool file = argc > 1 && (argv[1][0] < '0' || argv[1][0] > '9');
    const char* count = file ? (argc > 2 ? argv[2] : nullptr) : (argc > 1 ? argv[1] : nullptr);
    long n = count ? std::strtol(count, nullptr, 10) : 5000;
    if (n <= 0) n = 1;
    return file ? parse_write(argv[1], n) : stages(n);
}
