// Safe resolution inside a root: lexical cleanup, and creation of missing
// components that must stay under the root whatever symlinks the image has.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "linux/safepath.hpp"
#include "rootfs_helpers.hpp"

using namespace skiff::linux;
namespace fs = std::filesystem;

TEST_CASE("safepath::clean", "[safepath]") {
    CHECK(safepath::clean("/") == "");
    CHECK(safepath::clean("") == "");
    CHECK(safepath::clean("/dev/pts") == "dev/pts");
    CHECK(safepath::clean("dev//pts/") == "dev/pts");
    CHECK(safepath::clean("/a/./b/../c") == "a/c");
    CHECK(safepath::clean("/../../etc") == "etc");
    CHECK(safepath::clean("a/b/../../..") == "");
}

TEST_CASE("safepath: symlinks in the root cannot lead out of it", "[safepath]") {
    rootfs_test::TempBundle b;
    fs::create_directories(b.rootfs);
    // The host side a naive join would reach.
    std::string outside = b.dir + "/outside";
    fs::create_directories(outside);
    fs::create_symlink("/etc", b.rootfs + "/etc");                    // absolute
    fs::create_symlink("../../../../../../../..", b.rootfs + "/up");  // relative, climbing out
    fs::create_symlink(outside, b.rootfs + "/abs");

    skiff::UniqueFd root(::open(b.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(root);

    SECTION("absolute symlink to /etc") {
        // /etc is a dangling link inside the root: refused, nothing made on the host.
        auto r = safepath::create_in_root(root.get(), "etc/skiff-test", safepath::Leaf::Directory);
        CHECK_FALSE(r.ok());
        CHECK_FALSE(fs::exists("/etc/skiff-test"));
        fs::create_directories(b.rootfs + "/realetc");
        fs::remove(b.rootfs + "/etc");
        fs::create_symlink("/realetc", b.rootfs + "/etc");
        auto ok = safepath::create_in_root(root.get(), "etc/skiff-test/sub", safepath::Leaf::Directory);
        REQUIRE(ok.ok());
        CHECK(fs::is_directory(b.rootfs + "/realetc/skiff-test/sub"));
        CHECK_FALSE(fs::exists("/etc/skiff-test"));
    }
    SECTION("relative symlink climbing out lands at the root") {
        // A naive join would create /<name> on the host.
        std::string name = fs::path(b.dir).filename().string();
        auto r = safepath::create_in_root(root.get(), "up/" + name, safepath::Leaf::File);
        REQUIRE(r.ok());
        CHECK_FALSE(fs::exists("/" + name));
        CHECK(fs::is_regular_file(b.rootfs + "/" + name));
        struct stat st {};
        REQUIRE(::fstat(r->get(), &st) == 0);
        CHECK(S_ISREG(st.st_mode));
    }
    SECTION("absolute symlink to a host directory") {
        auto r = safepath::create_in_root(root.get(), "abs/y", safepath::Leaf::Directory);
        CHECK_FALSE(fs::exists(outside + "/y"));
        if (r.ok()) {
            // If created, it was created inside the root at the link's target.
            CHECK(fs::exists(b.rootfs + outside + "/y"));
        }
    }
    SECTION("open_in_root reports ENOENT") {
        auto r = safepath::open_in_root(root.get(), "no/such", O_PATH);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().err == ENOENT);
        CHECK(r.error().message == "resolve \"/no/such\" in rootfs: No such file or directory");
    }
}

TEST_CASE("safepath: create_in_root makes missing directories and files", "[safepath]") {
    rootfs_test::TempBundle b;
    fs::create_directories(b.rootfs);
    skiff::UniqueFd root(::open(b.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(root);
    auto d = safepath::create_in_root(root.get(), "a/b/c", safepath::Leaf::Directory);
    REQUIRE(d.ok());
    CHECK(fs::is_directory(b.rootfs + "/a/b/c"));
    auto f = safepath::create_in_root(root.get(), "a/file", safepath::Leaf::File);
    REQUIRE(f.ok());
    CHECK(fs::is_regular_file(b.rootfs + "/a/file"));
    // Existing file where a directory is needed: an error, not a replacement.
    auto bad = safepath::create_in_root(root.get(), "a/file/x", safepath::Leaf::Directory);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().err == ENOTDIR);
    CHECK(safepath::proc_fd_path(7).c_str() == std::string("/proc/self/fd/7"));
}

TEST_CASE("safepath: dangling symlinks are created at their target inside the root", "[safepath]") {
    rootfs_test::TempBundle b;
    fs::create_directories(b.rootfs + "/srv");
    std::string name = fs::path(b.dir).filename().string();
    fs::create_symlink("/" + name + "-abs/x", b.rootfs + "/data");           // absolute
    fs::create_symlink("../opt/rel", b.rootfs + "/srv/rel");                 // relative to its directory
    fs::create_symlink("../../../../" + name + "-esc/f", b.rootfs + "/esc");  // climbing out
    fs::create_symlink("loop2", b.rootfs + "/loop1");
    fs::create_symlink("loop1", b.rootfs + "/loop2");
    skiff::UniqueFd root(::open(b.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(root);

    REQUIRE(safepath::create_in_root(root.get(), "data/sub", safepath::Leaf::Directory).ok());
    CHECK(fs::is_directory(b.rootfs + "/" + name + "-abs/x/sub"));
    CHECK_FALSE(fs::exists("/" + name + "-abs"));
    REQUIRE(safepath::create_in_root(root.get(), "srv/rel", safepath::Leaf::Directory).ok());
    CHECK(fs::is_directory(b.rootfs + "/opt/rel"));
    REQUIRE(safepath::create_in_root(root.get(), "esc", safepath::Leaf::File).ok());
    CHECK(fs::is_regular_file(b.rootfs + "/" + name + "-esc/f"));
    CHECK_FALSE(fs::exists("/" + name + "-esc"));
    auto loop = safepath::create_in_root(root.get(), "loop1/x", safepath::Leaf::Directory);
    REQUIRE_FALSE(loop.ok());
    CHECK(loop.error().err == ELOOP);
}

TEST_CASE("safepath: a kernel filesystem's mount point must be an ordinary directory", "[safepath]") {
    rootfs_test::TempBundle b;
    fs::create_directories(b.rootfs + "/real");
    fs::create_symlink("/", b.rootfs + "/proc");
    fs::create_symlink("/real", b.rootfs + "/sys");
    std::ofstream(b.rootfs + "/file") << "x";
    skiff::UniqueFd root(::open(b.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(root);
    for (const char* p : {"proc", "sys"}) {
        auto r = safepath::create_in_root(root.get(), p, safepath::Leaf::MountDir);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message == "\"/" + std::string(p) + "\" must be mounted on an ordinary directory, not a symlink");
    }
    auto f = safepath::create_in_root(root.get(), "file", safepath::Leaf::MountDir);
    REQUIRE_FALSE(f.ok());
    CHECK(f.error().message == "\"/file\" must be mounted on an ordinary directory, not a file");
    // through a symlinked parent is fine (resolved in the root); missing is created
    CHECK(safepath::create_in_root(root.get(), "sys/fs", safepath::Leaf::MountDir).ok());
    CHECK(fs::is_directory(b.rootfs + "/real/fs"));
    CHECK(safepath::create_in_root(root.get(), "real", safepath::Leaf::MountDir).ok());
}
