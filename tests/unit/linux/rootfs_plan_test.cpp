// plan_rootfs: validation errors name the field, and the plan has the
// steps the child will execute.  Who skiff runs as comes in as HostFacts,
// never from geteuid(): the unprivileged plans are made as they are; the
// privileged ones, which clone mount trees, in a user namespace of the
// test's own (run_as_userns_root), so every case runs as any user.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "linux/rootfs_impl.hpp"
#include "rootfs_helpers.hpp"

using namespace skiff::linux;
namespace fs = std::filesystem;

namespace {

oci::Config config_with_root() {
    oci::Config c;
    c.ociVersion = "1.3.0";
    c.root = oci::Root{"rootfs", std::nullopt};
    c.linux = oci::Linux{};
    c.mounts = std::vector<oci::Mount>{};
    return c;
}

oci::Mount mnt(const std::string& dest, const std::string& type, const std::string& src, oci::Strings opts = {}) {
    oci::Mount m;
    m.destination = dest;
    m.type = type;
    m.source = src;
    m.options = std::move(opts);
    return m;
}

// root of the initial user namespace: bind trees cloned by the parent
RootfsOptions privileged() { return RootfsOptions{}; }

// an ordinary user (rootless): the child clones what it binds
RootfsOptions unprivileged() {
    RootfsOptions o;
    o.host.euid = 1000;
    o.host.rootless = true;
    return o;
}

std::string plan_error(const oci::Config& c, const std::string& bundle, RootfsOptions o = unprivileged()) {
    auto r = plan_rootfs(c, bundle, o);
    return r.ok() ? std::string("(ok)") : r.error().message;
}

// Inside run_as_userns_root: "" when `got` is `want`, else both.
std::string expect_eq(const std::string& what, const std::string& got, const std::string& want) {
    return got == want ? "" : what + ": got \"" + got + "\", want \"" + want + "\"";
}

}  // namespace

TEST_CASE("plan_rootfs: root.path must be an existing directory", "[rootfs][rootfs_plan]") {
    rootfs_test::TempBundle b;
    auto c = config_with_root();
    CHECK(plan_error(c, b.dir) == "root.path \"" + b.dir + "/rootfs\": No such file or directory");
    { std::ofstream(b.rootfs) << "x"; }
    CHECK(plan_error(c, b.dir) == "root.path \"" + b.dir + "/rootfs\": Not a directory");
    fs::remove(b.rootfs);
    fs::create_directories(b.rootfs);
    auto ok = plan_rootfs(c, b.dir, unprivileged());
    REQUIRE(ok.ok());
    CHECK(ok->impl->rootfs == b.dir + "/rootfs");
    c.root->path = b.rootfs;  // absolute stays as is
    REQUIRE(plan_rootfs(c, "/nonexistent", privileged()).ok());  // nothing to clone
}

TEST_CASE("plan_rootfs: mount errors name the entry", "[rootfs][rootfs_plan]") {
    rootfs_test::TempBundle b;
    fs::create_directories(b.rootfs);
    auto c = config_with_root();
    c.mounts->push_back(mnt("/proc", "proc", "proc"));
    c.mounts->push_back(mnt("/data", "bind", "missing", {"rbind"}));
    CHECK(plan_error(c, b.dir) == "mounts[1]: source \"" + b.dir + "/missing\": No such file or directory");

    c.mounts->back() = mnt("/x", "", "", {"nosuid"});
    c.mounts->back().type.reset();
    CHECK(plan_error(c, b.dir) == "mounts[1]: type is required for a mount that is not a bind mount");

    c.mounts->back() = mnt("", "tmpfs", "tmpfs");
    CHECK(plan_error(c, b.dir) == "mounts[1]: destination is empty");

    c.mounts->back() = mnt("/t", "tmpfs", "tmpfs", {"idmap"});
    CHECK(plan_error(c, b.dir) == "mounts[1]: idmap needs a bind mount");

    c.mounts->back() = mnt("/t", "proc", "proc", {"tmpcopyup"});
    CHECK(plan_error(c, b.dir) == "mounts[1]: option \"tmpcopyup\" is only valid on a tmpfs mount, not on \"proc\"");
    c.mounts->back() = mnt("/t", "none", "/x", {"rbind", "tmpcopyup"});
    CHECK(plan_error(c, b.dir) == "mounts[1]: option \"tmpcopyup\" is only valid on a tmpfs mount, not on \"bind\"");
    c.mounts->back() = mnt("/t", "tmpfs", "tmpfs", {"tmpcopyup", "size=1m"});
    CHECK(plan_error(c, b.dir) == "(ok)");

    c.mounts->back() = mnt("/t", "bind", "data", {"bind"});
    c.mounts->back().uidMappings = std::vector<oci::IdMapping>{{0, 1000, 1}};
    CHECK(plan_error(c, b.dir) == "mounts[1]: uidMappings and gidMappings must be given together");

    // Unprivileged, an idmapped bind is refused before anything is cloned.
    fs::create_directories(b.dir + "/data");
    c.mounts->back() = mnt("/t", "bind", "data", {"bind", "idmap"});
    CHECK(plan_error(c, b.dir) == "mounts[1]: idmapped bind mounts are not supported when skiff runs unprivileged");
    // Privileged, the tree is cloned and then the mapping is missing.
    CHECK(rootfs_test::run_as_userns_root([&] {
              return expect_eq("privileged idmap", plan_error(c, b.dir, privileged()),
                               "mounts[1]: idmap needs uidMappings and gidMappings (on the mount or a user namespace)");
          }) == "");
}

TEST_CASE("plan_rootfs: bind sources are relative to the bundle and cloned", "[rootfs][rootfs_plan]") {
    rootfs_test::TempBundle b;
    fs::create_directories(b.rootfs);
    fs::create_directories(b.dir + "/data");
    { std::ofstream(b.dir + "/file") << "x"; }
    auto c = config_with_root();
    c.mounts->push_back(mnt("/data", "none", "data", {"rbind", "ro"}));
    c.mounts->push_back(mnt("//etc/./hosts", "bind", "file"));
    auto p = plan_rootfs(c, b.dir, unprivileged());
    REQUIRE(p.ok());
    const auto& m = p->impl->mounts;
    // default /dev and /dev/pts come first
    REQUIRE(m.size() == 4);
    CHECK(m[0].dest == "dev");
    CHECK(m[0].type == "tmpfs");
    CHECK(m[1].dest == "dev/pts");
    CHECK(m[2].source == b.dir + "/data");
    CHECK(m[2].bind);
    CHECK(m[2].source_is_dir);
    CHECK_FALSE(m[2].tree);  // unprivileged: the child clones it
    CHECK(m[3].dest == "etc/hosts");
    CHECK(m[3].bind);
    CHECK_FALSE(m[3].source_is_dir);
    CHECK_FALSE(m[3].tree);

    // Privileged: the parent clones both sources.
    CHECK(rootfs_test::run_as_userns_root([&]() -> std::string {
              auto q = plan_rootfs(c, b.dir, privileged());
              if (!q) return "privileged plan: " + q.error().message;
              const auto& qm = q->impl->mounts;
              if (qm.size() != 4) return "privileged plan: " + std::to_string(qm.size()) + " mounts";
              if (!qm[2].tree || !qm[3].tree) return "privileged plan: a bind source was not cloned";
              if (qm[2].source != b.dir + "/data") return "privileged plan: source " + qm[2].source;
              return "";
          }) == "");

    // No mount namespace: validated, but nothing is cloned.
    RootfsOptions o = privileged();
    o.new_mount_namespace = false;
    auto q = plan_rootfs(c, b.dir, o);
    REQUIRE(q.ok());
    CHECK_FALSE(q->impl->mounts[2].tree);
}

TEST_CASE("plan_rootfs: /dev handling and devices", "[rootfs][rootfs_plan]") {
    rootfs_test::TempBundle b;
    fs::create_directories(b.rootfs);
    auto c = config_with_root();
    c.mounts->push_back(mnt("/dev", "tmpfs", "tmpfs", {"mode=755"}));
    c.linux->devices = std::vector<oci::Device>{};
    oci::Device fuse;
    fuse.type = "c";
    fuse.path = "/dev/fuse";
    fuse.major = 10;
    fuse.minor = 229;
    fuse.fileMode = 0600;
    fuse.uid = 7;
    c.linux->devices->push_back(fuse);
    oci::Device null;
    null.type = "c";
    null.path = "/dev/null";
    null.major = 1;
    null.minor = 3;
    c.linux->devices->push_back(null);
    auto p = plan_rootfs(c, b.dir, privileged());  // no user namespace: mknod, nothing cloned
    REQUIRE(p.ok());
    const auto& impl = *p->impl;
    CHECK(impl.mounts.size() == 1);  // the config's /dev, nothing added
    CHECK(impl.setup_dev);
    CHECK_FALSE(impl.ptmx_link);     // no devpts anywhere
    // 6 defaults minus the overridden /dev/null, plus 2 from the config
    REQUIRE(impl.devices.size() == 7);
    const auto& f = impl.devices[5];
    CHECK(f.dest == "dev/fuse");
    CHECK(f.mode == (S_IFCHR | 0600));
    CHECK(f.rdev == makedev(10, 229));
    CHECK(f.uid == 7);
    for (const auto& d : impl.devices) CHECK_FALSE((d.tree || d.bind_in_child));

    c.linux->devices->at(0).type = "x";
    CHECK(plan_error(c, b.dir) == "linux.devices[0].path \"/dev/fuse\": unknown device type \"x\"");
    c.linux->devices->at(0).type = "b";
    c.linux->devices->at(0).major.reset();
    CHECK(plan_error(c, b.dir) == "linux.devices[0].path \"/dev/fuse\": major and minor are required for type \"b\"");
    c.linux->devices->at(0).type = "p";
    c.linux->devices->at(0).path = "dev/fifo";
    CHECK(plan_error(c, b.dir) == "linux.devices[0].path \"dev/fifo\": must be an absolute path");

    // A bound /dev is used as it is.
    c.linux->devices.reset();
    c.mounts->at(0) = mnt("/dev", "bind", "/dev", {"rbind"});
    auto q = plan_rootfs(c, b.dir, unprivileged());
    REQUIRE(q.ok());
    CHECK_FALSE(q->impl->setup_dev);
    CHECK(q->impl->devices.empty());
}

TEST_CASE("plan_rootfs: masked and readonly paths must be absolute", "[rootfs][rootfs_plan]") {
    rootfs_test::TempBundle b;
    fs::create_directories(b.rootfs);
    auto c = config_with_root();
    c.linux->maskedPaths = oci::Strings{"/proc/kcore", "proc/acpi"};
    CHECK(plan_error(c, b.dir) == "linux.maskedPaths[1] \"proc/acpi\": must be an absolute path");
    c.linux->maskedPaths = oci::Strings{"/proc/kcore"};
    c.linux->readonlyPaths = oci::Strings{"/proc//sys/"};
    auto p = plan_rootfs(c, b.dir, unprivileged());
    REQUIRE(p.ok());
    CHECK(p->impl->readonly_paths == std::vector<std::string>{"proc/sys"});
    CHECK(p->impl->masked_paths == std::vector<std::string>{"proc/kcore"});
}

TEST_CASE("plan_rootfs: without a mount namespace the child mounts nothing but enters root.path", "[rootfs][rootfs_plan]") {
    rootfs_test::TempBundle b;
    fs::create_directories(b.rootfs);
    auto c = config_with_root();
    c.mounts->push_back(mnt("/proc", "proc", "proc"));
    c.root->readonly = true;
    RootfsOptions o;
    o.new_mount_namespace = false;
    auto p = plan_rootfs(c, b.dir, o);
    REQUIRE(p.ok());
    struct stat want {};
    REQUIRE(::stat(b.rootfs.c_str(), &want) == 0);
    // enter_rootfs chroots: only in a forked child, root of a user namespace
    // of its own (its mount namespace is not used by the steps under test).
    CHECK(rootfs_test::run_as_userns_root([&]() -> std::string {
              if (auto r = prepare_rootfs(*p); !r) return "prepare: " + r.error().message;
              if (auto r = enter_rootfs(*p); !r) return "enter: " + r.error().message;
              if (auto r = finalize_rootfs(*p); !r) return "finalize: " + r.error().message;
              struct stat st {};
              if (::stat("/", &st) < 0) return "stat /";
              if (st.st_ino != want.st_ino || st.st_dev != want.st_dev) return "/ is not root.path";
              return "";
          }) == "");
    CHECK(fs::is_empty(b.rootfs));  // nothing was created
    CHECK_FALSE(rootfs_test::host_mounts_mention(b.dir));
}

TEST_CASE("plan_rootfs: in a user namespace devices are bound from the host", "[rootfs][rootfs_plan]") {
    rootfs_test::TempBundle b;
    fs::create_directories(b.rootfs);
    auto c = config_with_root();
    c.linux->devices = std::vector<oci::Device>{};
    oci::Device null;
    null.type = "c";
    null.path = "/dev/null";
    null.major = 1;
    null.minor = 3;
    c.linux->devices->push_back(null);

    // Unprivileged: the parent only checks the host node exists; the child
    // (root of the container's user namespace) clones it.
    RootfsOptions o = unprivileged();
    o.in_user_namespace = true;
    auto p = plan_rootfs(c, b.dir, o);
    REQUIRE(p.ok());
    REQUIRE(p->impl->devices.size() == 6);  // the defaults, /dev/null from the config
    for (const auto& d : p->impl->devices) {
        CHECK(d.bind_in_child);
        CHECK_FALSE(d.tree);
    }
    c.linux->devices->at(0).path = "/dev/skiff-no-such-device";
    CHECK(plan_error(c, b.dir, o) ==
          "linux.devices[0].path \"/dev/skiff-no-such-device\": host device \"/dev/skiff-no-such-device\": "
          "No such file or directory");
    c.linux->devices->at(0).path = "/dev/null";

    // Privileged (here: in a user namespace of the test's own): the parent
    // clones every host node.
    CHECK(rootfs_test::run_as_userns_root([&]() -> std::string {
              RootfsOptions po = privileged();
              po.in_user_namespace = true;
              auto q = plan_rootfs(c, b.dir, po);
              if (!q) return "privileged plan: " + q.error().message;
              for (const auto& d : q->impl->devices)
                  if (!d.tree || d.bind_in_child) return "privileged plan: \"" + d.dest + "\" not cloned";
              return "";
          }) == "");
}
