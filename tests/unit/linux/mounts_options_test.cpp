// Mount option strings -> flags, propagation, mount_setattr bits and data.
#include <catch2/catch.hpp>

#include "linux/mounts.hpp"

using namespace skiff::linux;

TEST_CASE("mount options: flag options set and clear MS_ bits in order", "[mounts]") {
    auto r = parse_mount_options({"nosuid", "noexec", "nodev", "ro", "strictatime"});
    REQUIRE(r.ok());
    CHECK(r->flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY | MS_STRICTATIME));
    CHECK(r->data.empty());
    CHECK_FALSE(r->bind);

    auto rw = parse_mount_options({"ro", "rw", "exec", "suid", "dev", "defaults"});
    REQUIRE(rw.ok());
    CHECK(rw->flags == 0);
    CHECK(rw->attrs.set == 0);
    CHECK(rw->attrs.clr == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV));
}

TEST_CASE("mount options: bind/rbind and their attribute bits", "[mounts]") {
    auto r = parse_mount_options({"rbind", "ro", "nosuid", "noatime"});
    REQUIRE(r.ok());
    CHECK(r->bind);
    CHECK(r->rbind);
    CHECK((r->flags & (MS_BIND | MS_REC)) == (MS_BIND | MS_REC));
    CHECK(r->attrs.set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOATIME));
    // An atime mode is only accepted by the kernel with all of __ATIME cleared.
    CHECK((r->attrs.clr & MOUNT_ATTR__ATIME) == MOUNT_ATTR__ATIME);

    auto b = parse_mount_options({"bind"});
    REQUIRE(b.ok());
    CHECK(b->bind);
    CHECK_FALSE(b->rbind);
}

TEST_CASE("mount options: propagation is kept in order", "[mounts]") {
    auto r = parse_mount_options({"rprivate", "shared", "runbindable"});
    REQUIRE(r.ok());
    REQUIRE(r->propagation.size() == 3);
    CHECK(r->propagation[0] == (MS_PRIVATE | MS_REC));
    CHECK(r->propagation[1] == MS_SHARED);
    CHECK(r->propagation[2] == (MS_UNBINDABLE | MS_REC));
    CHECK(r->flags == 0);
}

TEST_CASE("mount options: recursive attributes", "[mounts]") {
    auto r = parse_mount_options({"rro", "rnosuid", "rnodev", "rnoexec", "rnosymfollow", "rnoatime"});
    REQUIRE(r.ok());
    CHECK(r->rec_attrs.set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
                               MOUNT_ATTR_NOSYMFOLLOW | MOUNT_ATTR_NOATIME));
    CHECK(r->flags == 0);
    CHECK(r->attrs.empty());

    auto undo = parse_mount_options({"rro", "rrw"});
    REQUIRE(undo.ok());
    CHECK(undo->rec_attrs.set == 0);
    CHECK(undo->rec_attrs.clr == MOUNT_ATTR_RDONLY);
}

TEST_CASE("mount options: unknown options become filesystem data", "[mounts]") {
    auto r = parse_mount_options({"nosuid", "mode=755", "size=65536k", "newinstance", "tmpcopyup"});
    REQUIRE(r.ok());
    CHECK(r->data == "mode=755,size=65536k,newinstance");
    CHECK(r->flags == MS_NOSUID);
    CHECK(r->copyup);  // an option of skiff's, not the filesystem's
    CHECK_FALSE(parse_mount_options({"nosuid"})->copyup);
}

TEST_CASE("mount options: idmap, ridmap and empty strings", "[mounts]") {
    auto r = parse_mount_options({"bind", "idmap"});
    REQUIRE(r.ok());
    CHECK(r->idmap);
    CHECK_FALSE(r->ridmap);
    CHECK(r->data.empty());
    auto rr = parse_mount_options({"rbind", "ridmap"});
    REQUIRE(rr.ok());
    CHECK(rr->ridmap);

    auto bad = parse_mount_options({"ro", ""});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == "options[1]: empty option");
}
