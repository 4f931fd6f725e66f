// compile() with a cache directory: miss, hit, other profile, corrupt files.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "seccomp/program.hpp"

using namespace skiff::seccomp;
using namespace skiff::seccomp::test;
using A = oci::SeccompAction;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> entries(const std::string& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
    return out;
}

std::string slurp(const fs::path& p) { return unit::read_file(p); }

void spit(const fs::path& p, const std::string& data) { unit::write_file(p, data); }

oci::Seccomp sample() {
    auto s = profile(A::Allow, {rule({"mkdir", "mkdirat"}, A::Errno, 38), rule({"getppid"}, A::KillProcess)});
    s.flags = {oci::SeccompFlag::Log};
    return s;
}

}  // namespace

TEST_CASE("seccomp cache: miss, then hit with the same program", "[seccomp]") {
    TempDir tmp;
    REQUIRE_FALSE(tmp.path.empty());
    std::string dir = tmp.path + "/cache";  // created on first write
    auto cold = compile(sample(), dir);
    REQUIRE(cold.ok());
    CHECK_FALSE(cold->cache_hit());
    auto files = entries(dir);
    REQUIRE(files.size() == 1);  // no temporary file left behind
    CHECK(files[0].extension() == ".bpf");
    CHECK(files[0].stem().string().size() == 16);

    auto warm = compile(sample(), dir);
    REQUIRE(warm.ok());
    CHECK(warm->cache_hit());
    CHECK(warm->flags() == cold->flags());
    CHECK(warm->instructions() == cold->instructions());
    CHECK(warm->needs_listener() == cold->needs_listener());

    auto other = sample();
    (*other.syscalls)[0].errnoRet = 39;
    auto o = compile(other, dir);
    REQUIRE(o.ok());
    CHECK_FALSE(o->cache_hit());
    CHECK(entries(dir).size() == 2);
}

TEST_CASE("seccomp cache: corrupt or foreign files are ignored and rewritten", "[seccomp]") {
    TempDir tmp;
    REQUIRE(compile(sample(), tmp.path).ok());
    auto files = entries(tmp.path);
    REQUIRE(files.size() == 1);
    const fs::path file = files[0];
    const std::string good = slurp(file);
    REQUIRE(good.size() > 64);

    auto expect_miss_then_hit = [&](const std::string& content) {
        spit(file, content);
        auto miss = compile(sample(), tmp.path);
        REQUIRE(miss.ok());
        CHECK_FALSE(miss->cache_hit());
        CHECK(slurp(file) == good);  // rewritten
        auto hit = compile(sample(), tmp.path);
        REQUIRE(hit.ok());
        CHECK(hit->cache_hit());
    };
    SECTION("empty") { expect_miss_then_hit(""); }
    SECTION("truncated") { expect_miss_then_hit(good.substr(0, good.size() - 9)); }
    SECTION("one bit flipped in the program") {
        std::string bad = good;
        bad[bad.size() - 20] ^= 0x01;
        expect_miss_then_hit(bad);
    }
    SECTION("garbage") { expect_miss_then_hit(std::string(good.size(), 'x')); }
    SECTION("written for another profile") {
        // Same file name, valid file, other canonical string: a hash
        // collision must never hand out the wrong filter.
        TempDir other;
        auto s = sample();
        (*s.syscalls)[1].action = A::Errno;
        REQUIRE(compile(s, other.path).ok());
        auto of = entries(other.path);
        REQUIRE(of.size() == 1);
        expect_miss_then_hit(slurp(of[0]));
    }
}

TEST_CASE("seccomp cache: an unusable cache directory is not an error", "[seccomp]") {
    TempDir tmp;
    std::string not_dir = tmp.path + "/file";
    spit(not_dir, "x");
    auto p = compile(sample(), not_dir + "/cache");
    REQUIRE(p.ok());
    CHECK_FALSE(p->cache_hit());
    CHECK(p->instructions() > 0);
}

TEST_CASE("seccomp cache: invalid profiles fail even when cached", "[seccomp]") {
    TempDir tmp;
    auto s = sample();
    REQUIRE(compile(s, tmp.path).ok());
    s.defaultErrnoRet = 1;  // with defaultAction ALLOW
    auto r = compile(s, tmp.path);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "linux.seccomp.defaultAction: SCMP_ACT_ALLOW does not take an errno return value");
}

TEST_CASE("seccomp cache: bounded in entries, least recently used evicted first", "[seccomp]") {
    TempDir tmp;
    std::string dir = tmp.path + "/cache";
    auto nth = [](size_t i) {
        auto s = sample();
        (*s.syscalls)[0].errnoRet = uint32_t(i + 1);  // a distinct profile each
        return s;
    };
    for (size_t i = 0; i < cache::kMaxEntries + 10; ++i) REQUIRE(compile(nth(i), dir).ok());
    CHECK(entries(dir).size() == cache::kMaxEntries);
    // the newest is kept, the oldest went
    CHECK(compile(nth(cache::kMaxEntries + 9), dir)->cache_hit());
    CHECK_FALSE(compile(nth(0), dir)->cache_hit());

    // evict() by recency (atime, which a hit sets), the entry just written last
    TempDir small;
    std::string d2 = small.path + "/c";
    REQUIRE(compile(nth(1), d2).ok());
    REQUIRE(compile(nth(2), d2).ok());
    REQUIRE(compile(nth(3), d2).ok());
    auto names = entries(d2);
    REQUIRE(names.size() == 3);
    // make 1 the most recently used, then 2 the least
    struct timespec old[2] = {{1000, 0}, {1000, 0}};
    for (const auto& f : names) REQUIRE(::utimensat(AT_FDCWD, f.c_str(), old, 0) == 0);
    REQUIRE(compile(nth(3), d2)->cache_hit());
    REQUIRE(compile(nth(1), d2)->cache_hit());
    cache::evict(d2, "", 2, cache::kMaxBytes);
    CHECK(entries(d2).size() == 2);
    CHECK_FALSE(compile(nth(2), d2)->cache_hit());  // evicted, now rewritten
    // and bounded in bytes: one file's worth keeps one file
    auto size = fs::file_size(entries(d2)[0]);
    cache::evict(d2, "", 100, size);
    CHECK(entries(d2).size() == 1);
}

TEST_CASE("seccomp cache: entries others could write are neither read nor kept", "[seccomp]") {
    TempDir tmp;
    std::string dir = tmp.path + "/cache";
    REQUIRE(compile(sample(), dir).ok());
    CHECK((fs::status(dir).permissions() & fs::perms::all) == fs::perms::owner_all);
    auto files = entries(dir);
    REQUIRE(files.size() == 1);
    CHECK((fs::status(files[0]).permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write));

    SECTION("a group- or world-writable file is a miss, and replaced") {
        fs::permissions(files[0], fs::perms::group_write | fs::perms::others_write, fs::perm_options::add);
        auto p = compile(sample(), dir);
        REQUIRE(p.ok());
        CHECK_FALSE(p->cache_hit());
        CHECK(compile(sample(), dir)->cache_hit());  // rewritten 0600
    }
    SECTION("a world-writable directory is not used at all") {
        fs::permissions(dir, fs::perms::all);
        auto p = compile(sample(), dir);
        REQUIRE(p.ok());
        CHECK_FALSE(p->cache_hit());
        CHECK_FALSE(compile(sample(), dir)->cache_hit());
    }
    SECTION("a file owned by another user is a miss") {
        if (::geteuid() == 0) {  // chown needs root
            REQUIRE(::chown(files[0].c_str(), 12345, 12345) == 0);
            auto p = compile(sample(), dir);
            REQUIRE(p.ok());
            CHECK_FALSE(p->cache_hit());
        }
    }
}
