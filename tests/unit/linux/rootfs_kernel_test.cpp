// The rootfs steps against the real kernel: a busybox rootfs set up as pid 1
// of private mount + pid namespaces, checked from inside; the host's mount
// table must never mention the test directory.
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "linux/rootfs.hpp"
#include "rootfs_helpers.hpp"

using namespace skiff::linux;
namespace fs = std::filesystem;
using rootfs_test::read_file;

namespace {

oci::Mount mnt(const std::string& dest, const std::string& type, const std::string& src, oci::Strings opts = {}) {
    oci::Mount m;
    m.destination = dest;
    m.type = type;
    m.source = src;
    m.options = std::move(opts);
    return m;
}

oci::Config base_config() {
    oci::Config c;
    c.ociVersion = "1.3.0";
    c.root = oci::Root{"rootfs", std::nullopt};
    c.linux = oci::Linux{};
    c.mounts = std::vector<oci::Mount>{
        mnt("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
        mnt("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
        mnt("/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}),
        mnt("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
        mnt("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
    };
    c.linux->maskedPaths = oci::Strings{"/proc/kcore", "/proc/acpi", "/sys/firmware", "/nonexistent"};
    c.linux->readonlyPaths = oci::Strings{"/proc/sys", "/proc/sysrq-trigger", "/nothere"};
    return c;
}

std::string fail(const std::string& what) { return what; }

std::string setup(const RootfsPlan& p) {
    if (auto r = prepare_rootfs(p); !r) return "prepare: " + r.error().message;
    if (auto r = enter_rootfs(p); !r) return "enter: " + r.error().message;
    if (auto r = finalize_rootfs(p); !r) return "finalize: " + r.error().message;
    return "";
}

std::string check_char_dev(const char* path, unsigned maj, unsigned min) {
    struct stat st {};
    if (::lstat(path, &st) < 0) return std::string(path) + ": missing";
    if (!S_ISCHR(st.st_mode)) return std::string(path) + ": not a char device";
    if (major(st.st_rdev) != maj || minor(st.st_rdev) != min) return std::string(path) + ": wrong numbers";
    return "";
}

bool mountinfo_has(const std::string& needle) { return read_file("/proc/self/mountinfo").find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("rootfs: a standard container view", "[rootfs][root]") {
    rootfs_test::TempBundle b;
    b.busybox();
    std::ofstream(b.rootfs + "/etc/marker") << "inside";
    auto c = base_config();
    for (bool no_pivot : {false, true}) {
        RootfsOptions o;
        o.no_pivot = no_pivot;
        auto plan = plan_rootfs(c, b.dir, o);
        REQUIRE(plan.ok());
        auto err = rootfs_test::run_isolated([&]() -> std::string {
            if (auto e = setup(*plan); !e.empty()) return e;
            if (read_file("/etc/marker") != "inside") return fail("not in the rootfs");
            if (fs::exists(b.rootfs)) return fail("host path visible inside");
            for (auto [p, ma, mi] : {std::tuple{"/dev/null", 1u, 3u}, {"/dev/zero", 1u, 5u}, {"/dev/full", 1u, 7u},
                                     {"/dev/random", 1u, 8u}, {"/dev/urandom", 1u, 9u}, {"/dev/tty", 5u, 0u}})
                if (auto e = check_char_dev(p, ma, mi); !e.empty()) return e;
            struct stat st {};
            if (::stat("/dev/null", &st) < 0 || (st.st_mode & 0777) != 0666) return fail("/dev/null mode");
            if (fs::read_symlink("/dev/ptmx") != "pts/ptmx") return fail("/dev/ptmx link");
            if (fs::read_symlink("/dev/fd") != "/proc/self/fd") return fail("/dev/fd link");
            if (fs::read_symlink("/dev/stderr") != "/proc/self/fd/2") return fail("/dev/stderr link");
            if (!mountinfo_has(" /dev/shm ") || !mountinfo_has(" /dev/pts ")) return fail("mounts missing");
            if (!read_file("/proc/kcore").empty()) return fail("/proc/kcore not masked");
            if (fs::exists("/proc/acpi") && !fs::is_empty("/proc/acpi")) return fail("/proc/acpi not masked");
            // readonlyPaths: writes fail with EROFS
            int fd = ::open("/proc/sys/kernel/hostname", O_WRONLY);
            if (fd >= 0) {
                ::close(fd);
                return fail("/proc/sys writable");
            }
            if (errno != EROFS) return fail(std::string("/proc/sys: ") + std::strerror(errno));
            // the rest of the root stays writable
            std::string w = no_pivot ? "/tmp/w1" : "/tmp/w0";
            if (::mkdir(w.c_str(), 0755) < 0) return fail(std::string("rootfs not writable: ") + std::strerror(errno));
            // a shell in the rootfs works
            if (std::system("/bin/sh -c 'test -c /dev/zero && test -L /dev/ptmx'") != 0) return fail("busybox sh");
            return "";
        });
        INFO("no_pivot=" << no_pivot);
        CHECK(err == "");
        CHECK_FALSE(rootfs_test::host_mounts_mention(b.dir));
    }
}

TEST_CASE("rootfs: symlinks used as mount destinations stay inside", "[rootfs][root]") {
    rootfs_test::TempBundle b;
    b.busybox();
    fs::create_directories(b.rootfs + "/realetc");
    fs::remove_all(b.rootfs + "/etc");
    fs::create_symlink("/realetc", b.rootfs + "/etc");
    fs::create_symlink("../../../../../../../../tmp", b.rootfs + "/escape");
    fs::create_directories(b.dir + "/data");
    std::ofstream(b.dir + "/data/f") << "data";
    std::ofstream(b.dir + "/hosts") << "127.0.0.1 x";

    auto c = base_config();
    c.mounts->push_back(mnt("/etc/mnt", "tmpfs", "tmpfs"));
    c.mounts->push_back(mnt("/escape/sub", "bind", "data", {"rbind", "ro"}));
    c.mounts->push_back(mnt("/etc/hosts", "bind", "hosts", {"bind"}));
    auto plan = plan_rootfs(c, b.dir, {});
    REQUIRE(plan.ok());
    auto err = rootfs_test::run_isolated([&]() -> std::string {
        if (auto e = setup(*plan); !e.empty()) return e;
        if (!mountinfo_has(" /realetc/mnt ")) return fail("tmpfs not on /realetc/mnt");
        if (read_file("/tmp/sub/f") != "data") return fail("bind not at /tmp/sub");
        if (read_file("/realetc/hosts") != "127.0.0.1 x") return fail("file bind missing");
        int fd = ::open("/tmp/sub/new", O_CREAT | O_WRONLY, 0644);
        if (fd >= 0 || errno != EROFS) return fail("ro bind is writable");
        return "";
    });
    CHECK(err == "");
    CHECK_FALSE(fs::exists("/etc/mnt"));
    CHECK_FALSE(fs::exists("/tmp/sub"));
    CHECK(read_file("/etc/hosts").find("127.0.0.1 x") == std::string::npos);
    CHECK_FALSE(rootfs_test::host_mounts_mention(b.dir));
}

TEST_CASE("rootfs: devices, readonly root, propagation, console", "[rootfs][root]") {
    rootfs_test::TempBundle b;
    b.busybox();
    auto c = base_config();
    c.root->readonly = true;
    c.linux->rootfsPropagation = oci::RootfsPropagation::Private;
    oci::Device fifo;
    fifo.type = "p";
    fifo.path = "/run/my/fifo";
    fifo.fileMode = 0640;
    fifo.uid = 12;
    fifo.gid = 34;
    oci::Device fuse;
    fuse.type = "c";
    fuse.path = "/dev/fuse";
    fuse.major = 10;
    fuse.minor = 229;
    c.linux->devices = std::vector<oci::Device>{fifo, fuse};
    auto plan = plan_rootfs(c, b.dir, {});
    REQUIRE(plan.ok());
    auto err = rootfs_test::run_isolated([&]() -> std::string {
        if (auto r = prepare_rootfs(*plan); !r) return r.error().message;
        auto con = open_console(*plan);
        if (!con) return "console: " + con.error().message;
        if (auto r = enter_rootfs(*plan); !r) return r.error().message;
        if (auto r = finalize_rootfs(*plan); !r) return r.error().message;
        struct stat st {};
        if (::lstat("/run/my/fifo", &st) < 0 || !S_ISFIFO(st.st_mode) || (st.st_mode & 0777) != 0640 ||
            st.st_uid != 12 || st.st_gid != 34)
            return fail("fifo");
        if (auto e = check_char_dev("/dev/fuse", 10, 229); !e.empty()) return e;
        if (!::isatty(con->slave.get())) return fail("slave is not a tty");
        struct stat a {}, s {};
        if (::stat("/dev/console", &a) < 0 || ::fstat(con->slave.get(), &s) < 0 || a.st_rdev != s.st_rdev)
            return fail("/dev/console is not the pty");
        struct statvfs v {};
        if (::statvfs("/", &v) < 0 || !(v.f_flag & ST_RDONLY)) return fail("root not read-only");
        if (::mkdir("/newdir", 0755) == 0 || errno != EROFS) return fail("root writable");
        // private root: no "shared:" or "master:" tag on the root line
        std::istringstream mi(read_file("/proc/self/mountinfo"));
        for (std::string line; std::getline(mi, line);)
            if (line.find(" / / ") != std::string::npos &&
                (line.find("shared:") != std::string::npos || line.find("master:") != std::string::npos))
                return fail("root not private: " + line);
        return "";
    });
    CHECK(err == "");
    CHECK_FALSE(rootfs_test::host_mounts_mention(b.dir));
}

TEST_CASE("rootfs: mount errors name the mount", "[rootfs][root]") {
    rootfs_test::TempBundle b;
    b.busybox();
    auto c = base_config();
    c.mounts->push_back(mnt("/bad", "nosuchfs", "x"));
    auto plan = plan_rootfs(c, b.dir, {});
    REQUIRE(plan.ok());
    auto err = rootfs_test::run_isolated([&]() -> std::string { return setup(*plan); });
    CHECK(err == "prepare: mount \"x\" on \"/bad\": No such device");
    CHECK_FALSE(rootfs_test::host_mounts_mention(b.dir));
}

TEST_CASE("rootfs: in a user namespace devices are bind mounts, idmap works", "[rootfs][root]") {
    rootfs_test::TempBundle b;
    b.busybox();
    fs::create_directories(b.dir + "/owned");
    std::ofstream(b.dir + "/owned/f") << "x";
    REQUIRE(::chown((b.dir + "/owned/f").c_str(), 0, 0) == 0);
    auto c = base_config();
    c.mounts->erase(c.mounts->begin() + 4);  // sysfs needs a network namespace
    c.linux->maskedPaths = oci::Strings{"/proc/kcore"};
    oci::Mount idm = mnt("/idmapped", "bind", "owned", {"bind", "idmap"});
    idm.uidMappings = std::vector<oci::IdMapping>{{0, 1000, 1}};
    idm.gidMappings = std::vector<oci::IdMapping>{{0, 2000, 1}};
    c.mounts->push_back(idm);
    RootfsOptions o;
    o.in_user_namespace = true;
    auto plan = plan_rootfs(c, b.dir, o);
    REQUIRE(plan.ok());
    auto err = rootfs_test::run_isolated(
        [&]() -> std::string {
            if (auto e = setup(*plan); !e.empty()) return e;
            if (auto e = check_char_dev("/dev/null", 1, 3); !e.empty()) return e;
            if (!mountinfo_has(" /dev/null ")) return fail("/dev/null is not a bind mount");
            int fd = ::open("/dev/null", O_WRONLY);
            if (fd < 0 || ::write(fd, "x", 1) != 1) return fail("/dev/null unusable");
            ::close(fd);
            struct stat st {};
            if (::stat("/idmapped/f", &st) < 0) return fail("idmapped file missing");
            if (st.st_uid != 1000 || st.st_gid != 2000)
                return fail("idmap: uid " + std::to_string(st.st_uid) + " gid " + std::to_string(st.st_gid));
            return "";
        },
        true);
    CHECK(err == "");
    CHECK_FALSE(rootfs_test::host_mounts_mention(b.dir));
}
