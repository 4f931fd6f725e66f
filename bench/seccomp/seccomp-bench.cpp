// seccomp-bench: what compiling a real profile costs, cold (libseccomp) vs
// cached (<cache_dir>/<hash>.bpf), with the container-engine default profile
// (/usr/share/containers/seccomp.json, Docker's format) translated to the
// linux.seccomp section a default podman container would get on amd64.
//
//   seccomp-bench [PROFILE] [-n N]
//
// "new process" samples re-execute this program for one compile() each,
// because that is what every `skiff create` pays; "same process" repeats the
// call in one warm process.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "seccomp/seccomp.hpp"

namespace {

using Clock = std::chrono::steady_clock;

yajl_val member(yajl_val obj, const char* key, yajl_type t) {
    const char* path[] = {key, nullptr};
    return obj ? yajl_tree_get(obj, path, t) : nullptr;
}

std::vector<std::string> strings(yajl_val arr) {
    std::vector<std::string> out;
    if (!arr || !YAJL_IS_ARRAY(arr)) return out;
    for (size_t i = 0; i < YAJL_GET_ARRAY(arr)->len; ++i)
        if (const char* s = YAJL_GET_STRING(YAJL_GET_ARRAY(arr)->values[i])) out.emplace_back(s);
    return out;
}

// Docker/containers profile -> OCI section, as an engine does for a container
// without extra capabilities on amd64: "includes" by capability are dropped,
// "excludes" by capability kept, "includes" by arch kept only for amd64.
bool translate(yajl_val doc, oci::Seccomp& s, std::string& err) {
    auto def = oci::enum_parse<oci::SeccompAction>(YAJL_GET_STRING(member(doc, "defaultAction", yajl_t_string)));
    if (!def) return err = "defaultAction", false;
    s.defaultAction = *def;
    if (yajl_val e = member(doc, "defaultErrnoRet", yajl_t_number))
        s.defaultErrnoRet = static_cast<uint32_t>(YAJL_GET_INTEGER(e));
    if (yajl_val archs = member(doc, "archMap", yajl_t_array)) {
        for (size_t i = 0; i < YAJL_GET_ARRAY(archs)->len; ++i) {
            yajl_val m = YAJL_GET_ARRAY(archs)->values[i];
            const char* a = YAJL_GET_STRING(member(m, "architecture", yajl_t_string));
            if (!a || std::strcmp(a, "SCMP_ARCH_X86_64") != 0) continue;
            std::vector<oci::SeccompArch> list{oci::SeccompArch::X86_64};
            for (const auto& sub : strings(member(m, "subArchitectures", yajl_t_array)))
                if (auto v = oci::enum_parse<oci::SeccompArch>(sub)) list.push_back(*v);
            s.architectures = list;
        }
    }
    std::vector<oci::SeccompSyscall> calls;
    yajl_val sys = member(doc, "syscalls", yajl_t_array);
    for (size_t i = 0; sys && i < YAJL_GET_ARRAY(sys)->len; ++i) {
        yajl_val c = YAJL_GET_ARRAY(sys)->values[i];
        yajl_val inc = member(c, "includes", yajl_t_object);
        if (!strings(member(inc, "caps", yajl_t_array)).empty()) continue;
        auto arches = strings(member(inc, "arches", yajl_t_array));
        if (!arches.empty() && std::find(arches.begin(), arches.end(), "amd64") == arches.end()) continue;
        oci::SeccompSyscall call;
        call.names = strings(member(c, "names", yajl_t_array));
        auto act = oci::enum_parse<oci::SeccompAction>(YAJL_GET_STRING(member(c, "action", yajl_t_string)));
        if (!act) return err = "syscalls[" + std::to_string(i) + "].action", false;
        call.action = *act;
        if (yajl_val e = member(c, "errnoRet", yajl_t_number)) call.errnoRet = static_cast<uint32_t>(YAJL_GET_INTEGER(e));
        yajl_val args = member(c, "args", yajl_t_array);
        if (args && YAJL_GET_ARRAY(args)->len > 0) {
            std::vector<oci::SeccompArg> list;
            for (size_t k = 0; k < YAJL_GET_ARRAY(args)->len; ++k) {
                yajl_val a = YAJL_GET_ARRAY(args)->values[k];
                oci::SeccompArg arg;
                arg.index = static_cast<uint32_t>(YAJL_GET_INTEGER(member(a, "index", yajl_t_number)));
                arg.value = static_cast<uint64_t>(YAJL_GET_INTEGER(member(a, "value", yajl_t_number)));
                if (yajl_val v2 = member(a, "valueTwo", yajl_t_number); v2 && YAJL_GET_INTEGER(v2) != 0)
                    arg.valueTwo = static_cast<uint64_t>(YAJL_GET_INTEGER(v2));
                auto op = oci::enum_parse<oci::SeccompOperator>(YAJL_GET_STRING(member(a, "op", yajl_t_string)));
                if (!op) return err = "syscalls[" + std::to_string(i) + "].args.op", false;
                arg.op = *op;
                list.push_back(arg);
            }
            call.args = list;
        }
        calls.push_back(std::move(call));
    }
    s.syscalls = std::move(calls);
    return true;
}

// Microseconds of one compile() in a new process (this program re-executed
// with --once), which is what each `skiff create` pays: nothing of
// libseccomp or of the profile is warm.
double fresh_sample(const char* self, const std::string& profile, const std::string& cache) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return -1;
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(p[1], STDOUT_FILENO);
        const char* argv[] = {self, "--once", profile.c_str(), cache.empty() ? "-" : cache.c_str(), nullptr};
        ::execv("/proc/self/exe", const_cast<char* const*>(argv));
        ::_exit(127);
    }
    ::close(p[1]);
    char buf[64] = "";
    ssize_t n = pid > 0 ? ::read(p[0], buf, sizeof buf - 1) : -1;
    ::close(p[0]);
    int st = 0;
    if (pid > 0) ::waitpid(pid, &st, 0);
    if (n <= 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return -1;
    return std::atof(buf);
}

void report(const char* what, std::vector<double> v) {
    if (v.empty() || *std::min_element(v.begin(), v.end()) < 0) {
        std::printf("%-34s failed\n", what);
        return;
    }
    std::sort(v.begin(), v.end());
    double mean = 0;
    for (double x : v) mean += x;
    mean /= static_cast<double>(v.size());
    std::printf("%-34s median %9.1f us   min %9.1f   mean %9.1f   (n=%zu)\n", what, v[v.size() / 2], v.front(),
                mean, v.size());
}

bool load_profile(const std::string& path, oci::Seccomp& s) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "seccomp-bench: cannot read %s\n", path.c_str());
        return false;
    }
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    char err[256] = "";
    yajl_val doc = yajl_tree_parse(text.c_str(), err, sizeof err);
    if (!doc) {
        std::fprintf(stderr, "seccomp-bench: %s: %s\n", path.c_str(), err);
        return false;
    }
    std::string bad;
    bool ok = translate(doc, s, bad);
    yajl_tree_free(doc);
    if (!ok) std::fprintf(stderr, "seccomp-bench: %s: cannot translate %s\n", path.c_str(), bad.c_str());
    return ok;
}

// --once PROFILE CACHE_DIR|-: one timed compile, microseconds on stdout.
int once(const std::string& path, const std::string& cache) {
    oci::Seccomp s;
    if (!load_profile(path, s)) return 1;
    auto t0 = Clock::now();
    auto r = skiff::seccomp::compile(s, cache == "-" ? "" : cache);
    double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    if (!r) {
        std::fprintf(stderr, "seccomp-bench: %s\n", r.error().message.c_str());
        return 1;
    }
    if (r->cache_hit() != (cache != "-")) return 1;
    std::printf("%.1f\n", us);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 4 && std::strcmp(argv[1], "--once") == 0) return once(argv[2], argv[3]);
    std::string path = "/usr/share/containers/seccomp.json";
    int n = 30;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "-n") == 0 && i + 1 < argc) n = std::max(1, std::atoi(argv[++i]));
        else path = argv[i];
    }
    if (::access(path.c_str(), R_OK) != 0) {
        std::printf("seccomp-bench: %s not found (apt-get install golang-github-containers-common); skipped\n",
                    path.c_str());
        return 0;
    }
    oci::Seccomp s;
    if (!load_profile(path, s)) return 1;

    char tmpl[] = "/tmp/skiff-seccomp-bench-XXXXXX";
    if (!::mkdtemp(tmpl)) {
        std::perror("seccomp-bench: mkdtemp");
        return 1;
    }
    std::string cache = tmpl;
    size_t names = 0;
    for (const auto& c : *s.syscalls) names += c.names.size();

    std::vector<double> fresh_cold, fresh_hit, warm_cold, warm_hit;
    auto first = skiff::seccomp::compile(s, cache);  // fills the cache
    if (!first) {
        std::fprintf(stderr, "seccomp-bench: %s\n", first.error().message.c_str());
        std::filesystem::remove_all(cache);
        return 1;
    }
    // Interleaved so drift on a noisy machine hits both alike.
    for (int i = 0; i < n; ++i) {
        fresh_cold.push_back(fresh_sample(argv[0], path, ""));
        fresh_hit.push_back(fresh_sample(argv[0], path, cache));
    }
    auto time = [&](const std::string& dir, std::vector<double>& out) {
        for (int i = 0; i < n; ++i) {
            auto t0 = Clock::now();
            auto r = skiff::seccomp::compile(s, dir);
            out.push_back(r ? std::chrono::duration<double, std::micro>(Clock::now() - t0).count() : -1);
        }
    };
    time("", warm_cold);
    time(cache, warm_hit);
    std::filesystem::remove_all(cache);

    std::printf("profile %s: %zu rules, %zu syscall names, %zu archs -> %zu BPF instructions\n", path.c_str(),
                s.syscalls->size(), names, s.architectures ? s.architectures->size() : 1, first->instructions());
    report("new process, cold (libseccomp)", fresh_cold);
    report("new process, cached", fresh_hit);
    report("same process, cold (libseccomp)", warm_cold);
    report("same process, cached", warm_hit);
    return 0;
}
