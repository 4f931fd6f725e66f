// copy_tree (tmpcopyup's copy) on temporary directories, as any user; and
// make_fs_mount, the detached tmpfs it fills, in a user + mount namespace
// of the test's own.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "common/fd.hpp"
#include "linux/copyup.hpp"
#include "linux/mounts.hpp"
#include "rootfs_helpers.hpp"
#include "support.hpp"

using namespace skiff::linux;
using skiff::UniqueFd;
namespace fs = std::filesystem;

namespace {

UniqueFd open_dir(const std::string& p) { return UniqueFd(::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); }

std::string link_target(const std::string& p) {
    char buf[4096];
    ssize_t n = ::readlink(p.c_str(), buf, sizeof buf);
    return n < 0 ? std::string("(not a link)") : std::string(buf, static_cast<size_t>(n));
}

mode_t mode_of(const std::string& p) {
    struct stat st {};
    return ::lstat(p.c_str(), &st) == 0 ? st.st_mode : 0;
}

// A tree with one of everything an unprivileged user can make.
void make_source(const std::string& s) {
    fs::create_directories(s + "/sub/deeper");
    REQUIRE(unit::write_file(s + "/passwd", "root:x:0:0::/root:/bin/sh\n"));
    REQUIRE(unit::write_file(s + "/sub/secret", "shh"));
    REQUIRE(unit::write_file(s + "/sub/deeper/empty", ""));
    REQUIRE(::chmod((s + "/passwd").c_str(), 0644) == 0);
    REQUIRE(::chmod((s + "/sub/secret").c_str(), 04710) == 0);
    REQUIRE(::symlink("/etc/shadow", (s + "/shadow-link").c_str()) == 0);
    REQUIRE(::symlink("../../..", (s + "/sub/up").c_str()) == 0);
    REQUIRE(::symlink("/etc", (s + "/etc-dir-link").c_str()) == 0);
    REQUIRE(::mkfifo((s + "/sub/fifo").c_str(), 0600) == 0);
    REQUIRE(::chmod((s + "/sub/fifo").c_str(), 0620) == 0);  // past the umask
    // a read-only directory still gets its contents, then its mode
    REQUIRE(::chmod((s + "/sub/deeper").c_str(), 0555) == 0);
    const struct timespec old[2] = {{1000000000, 0}, {1234567890, 0}};
    REQUIRE(::utimensat(AT_FDCWD, (s + "/passwd").c_str(), old, 0) == 0);
    REQUIRE(::utimensat(AT_FDCWD, (s + "/sub").c_str(), old, 0) == 0);
}

}  // namespace

TEST_CASE("copy_tree: contents, modes, times; symlinks copied, never followed", "[copyup]") {
    unit::TempDir t("skiff-copyup");
    const std::string s = t.path + "/src", d = t.path + "/dst";
    make_source(s);
    fs::create_directory(d);
    // read-only directories back to writable, so TempDir can remove them
    struct Writable {
        std::string a, b;
        ~Writable() {
            ::chmod(a.c_str(), 0755);
            ::chmod(b.c_str(), 0755);
        }
    } writable{s + "/sub/deeper", d + "/sub/deeper"};
    {
        UniqueFd sf = open_dir(s), df = open_dir(d);
        REQUIRE(sf);
        REQUIRE(df);
        auto r = copy_tree(sf.get(), df.get());
        INFO((r ? std::string() : r.error().message));
        REQUIRE(r.ok());
    }
    CHECK(unit::read_file(d + "/passwd") == "root:x:0:0::/root:/bin/sh\n");
    CHECK(unit::read_file(d + "/sub/secret") == "shh");
    CHECK((mode_of(d + "/passwd") & 07777) == 0644);
    CHECK((mode_of(d + "/sub/secret") & 07777) == 04710);
    CHECK(S_ISREG(mode_of(d + "/sub/deeper/empty")));
    CHECK((mode_of(d + "/sub/deeper") & 07777) == 0555);
    CHECK(S_ISFIFO(mode_of(d + "/sub/fifo")));
    CHECK((mode_of(d + "/sub/fifo") & 07777) == 0620);
    // links stay links, with their text; nothing behind them was copied
    CHECK(S_ISLNK(mode_of(d + "/shadow-link")));
    CHECK(link_target(d + "/shadow-link") == "/etc/shadow");
    CHECK(link_target(d + "/sub/up") == "../../..");
    CHECK(S_ISLNK(mode_of(d + "/etc-dir-link")));
    CHECK(link_target(d + "/etc-dir-link") == "/etc");
    struct stat st {};
    REQUIRE(::stat((d + "/passwd").c_str(), &st) == 0);
    CHECK(st.st_mtim.tv_sec == 1234567890);
    REQUIRE(::stat((d + "/sub").c_str(), &st) == 0);
    CHECK(st.st_mtim.tv_sec == 1234567890);  // set after its entries were made
    // the source is untouched
    CHECK(link_target(s + "/shadow-link") == "/etc/shadow");
}

TEST_CASE("copy_tree: user xattrs come along where the filesystem keeps them", "[copyup]") {
    unit::TempDir t("skiff-copyup");
    const std::string s = t.path + "/src", d = t.path + "/dst";
    fs::create_directories(s);
    fs::create_directory(d);
    REQUIRE(unit::write_file(s + "/f", "x"));
    if (::setxattr((s + "/f").c_str(), "user.skiff", "v1", 2, 0) < 0) UNIT_SKIP("no user xattrs on /tmp");
    UniqueFd sf = open_dir(s), df = open_dir(d);
    REQUIRE(copy_tree(sf.get(), df.get()).ok());
    char buf[8] = {};
    CHECK(::getxattr((d + "/f").c_str(), "user.skiff", buf, sizeof buf) == 2);
    CHECK(std::string(buf) == "v1");
}

TEST_CASE("copy_tree: depth is bounded; errors name the entry", "[copyup]") {
    unit::TempDir t("skiff-copyup");
    const std::string s = t.path + "/src", d = t.path + "/dst";
    fs::create_directories(s + "/a/b/c/d");
    fs::create_directory(d);
    UniqueFd sf = open_dir(s), df = open_dir(d);
    CopyOptions o;
    o.max_depth = 3;
    auto r = copy_tree(sf.get(), df.get(), o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "copy \"a/b/c/d\": more than 3 directories deep");

    // an entry already in the target is an error, not overwritten
    unit::TempDir t2("skiff-copyup");
    fs::create_directories(t2.path + "/src");
    fs::create_directories(t2.path + "/dst");
    REQUIRE(unit::write_file(t2.path + "/src/f", "new"));
    REQUIRE(unit::write_file(t2.path + "/dst/f", "old"));
    UniqueFd s2 = open_dir(t2.path + "/src"), d2 = open_dir(t2.path + "/dst");
    auto e = copy_tree(s2.get(), d2.get());
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().message == "create \"f\": File exists");
    CHECK(unit::read_file(t2.path + "/dst/f") == "old");
}

TEST_CASE("make_fs_mount: a detached tmpfs with mount(2)'s flags and data", "[copyup][mounts]") {
    CHECK(rootfs_test::run_as_userns_root([]() -> std::string {
              auto m = make_fs_mount("tmpfs", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m,mode=710");
              if (!m) return "make_fs_mount: " + m.error().message;
              struct statvfs sv {};
              if (::fstatvfs(m->get(), &sv) < 0) return "fstatvfs";
              const unsigned long want = ST_NOSUID | ST_NODEV | ST_NOEXEC;
              if ((sv.f_flag & want) != want) return "flags " + std::to_string(sv.f_flag);
              if (sv.f_blocks * sv.f_frsize != 1 << 20) return "size " + std::to_string(sv.f_blocks * sv.f_frsize);
              struct stat st {};
              if (::fstat(m->get(), &st) < 0 || (st.st_mode & 07777) != 0710) return "mode";
              auto bad = make_fs_mount("tmpfs", "tmpfs", 0, "size=lots");
              if (bad) return "size=lots accepted";
              const std::string want_err = "option \"size=lots\" (tmpfs: Bad value for 'size'): Invalid argument";
              if (bad.error().message != want_err) return "error: " + bad.error().message;
              return "";
          }) == "");
}
