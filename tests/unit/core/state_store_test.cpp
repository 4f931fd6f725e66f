// The state store in a temporary root: no root privileges needed.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "core/state_store.hpp"
#include "support.hpp"

using namespace skiff::core;
namespace fs = std::filesystem;

namespace {

struct TempRoot : unit::TempDir {
    TempRoot() : unit::TempDir("skiff-state-test") {}
    std::string root() const { return path + "/root"; }
};

// A sleeping child, killed and reaped however the test ends.
struct Child {
    pid_t pid = -1;
    Child() {
        pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            pause();
            _exit(0);
        }
    }
    void reap() {
        if (pid <= 0) return;
        ::kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        pid = -1;
    }
    ~Child() { reap(); }
};

ContainerRecord sample(const std::string& id) {
    ContainerRecord r;
    r.id = id;
    r.bundle = "/b/" + id;
    r.rootfs = "/b/" + id + "/rootfs";
    r.pid = 4242;
    r.pid_start_time = 123456789012ULL;
    r.created = "2026-11-25T13:57:50.000000001Z";
    r.owner_uid = 1000;
    r.annotations = {{"a", "b\"c"}, {"x", "\n"}};
    r.cgroup_path = "/sys/fs/cgroup/skiff/" + id;
    r.cgroup_created = {"/sys/fs/cgroup/skiff", "/sys/fs/cgroup/skiff/" + id};
    r.systemd_cgroup = true;
    r.has_pid_namespace = false;
    r.config_json = R"({"ociVersion":"1.3.0"})";
    return r;
}

bool exists(const std::string& p) {
    struct stat st {};
    return lstat(p.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("state store: record JSON round-trips every field", "[core][state]") {
    ContainerRecord r = sample("c1");
    auto back = record_from_json(record_to_json(r), "state.json");
    REQUIRE(back.ok());
    CHECK(back->id == r.id);
    CHECK(back->bundle == r.bundle);
    CHECK(back->rootfs == r.rootfs);
    CHECK(back->pid == r.pid);
    CHECK(back->pid_start_time == r.pid_start_time);
    CHECK(back->created == r.created);
    CHECK(back->owner_uid == r.owner_uid);
    CHECK(back->annotations == r.annotations);
    CHECK(back->cgroup_path == r.cgroup_path);
    CHECK(back->cgroup_created == r.cgroup_created);
    CHECK(back->systemd_cgroup == r.systemd_cgroup);
    CHECK(back->has_pid_namespace == r.has_pid_namespace);
    CHECK(back->config_json == r.config_json);
    CHECK_FALSE(back->creating);
    r.creating = true;  // a create that has not finished
    CHECK(record_from_json(record_to_json(r), "state.json")->creating);
}

TEST_CASE("state store: malformed records are errors naming the field", "[core][state]") {
    auto e1 = record_from_json("{\"id\":1}", "s.json");
    REQUIRE_FALSE(e1.ok());
    CHECK(e1.error().message == "s.json: id: expected string");
    auto e2 = record_from_json("{\"bundle\":\"/b\"}", "s.json");
    REQUIRE_FALSE(e2.ok());
    CHECK(e2.error().message == "s.json: id: missing");
    auto e3 = record_from_json("{nope", "s.json");
    REQUIRE_FALSE(e3.ok());
    CHECK(e3.error().message.rfind("s.json: invalid JSON", 0) == 0);
    // Unknown keys from a newer skiff are ignored.
    CHECK(record_from_json("{\"id\":\"c\",\"future\":[1,2]}", "s.json").ok());
}

TEST_CASE("state store: create, save, load, list, remove", "[core][state]") {
    TempRoot t;
    {
        auto d = StateDir::create(t.root(), "c1");
        REQUIRE(d.ok());
        CHECK(d->path() == t.root() + "/c1");
        struct stat st {};
        REQUIRE(stat(t.root().c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0700);
        REQUIRE(stat(d->path().c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0711);
        REQUIRE(d->save(sample("c1")).ok());
        CHECK_FALSE(exists(d->path() + "/state.json.tmp"));
        d->commit();
    }
    {
        auto d = StateDir::create(t.root(), "c0");
        REQUIRE(d.ok());
        REQUIRE(d->save(sample("c0")).ok());
        d->commit();
    }
    // A directory without state.json is a create in progress (or one killed
    // before its first record): listed while it holds nothing else than
    // exec.fifo; the seccomp cache and foreign directories are not.
    REQUIRE(mkdir((t.root() + "/partial").c_str(), 0700) == 0);
    REQUIRE(mkfifo((t.root() + "/partial/exec.fifo").c_str(), 0600) == 0);
    REQUIRE(mkdir((t.root() + "/.cache").c_str(), 0700) == 0);
    REQUIRE(mkdir((t.root() + "/foreign").c_str(), 0700) == 0);
    REQUIRE(close(open((t.root() + "/foreign/f").c_str(), O_CREAT | O_WRONLY, 0600)) == 0);

    auto ids = list_ids(t.root());
    REQUIRE(ids.ok());
    CHECK(*ids == std::vector<std::string>{"c0", "c1", "partial"});
    {
        auto p = StateDir::peek(t.root(), "partial");
        REQUIRE(p.ok());
        CHECK_FALSE(p->load().ok());
        auto r = p->load_or_creating("partial");
        REQUIRE(r.ok());
        CHECK(r->creating);
        CHECK(r->id == "partial");
        CHECK(r->owner_uid == geteuid());
        CHECK(compute_status(*r, p->fd()) == oci::Status::Creating);
        CHECK(r->pid == 0);
        // the record saved before the cgroup exists, then the init's pid
        ContainerRecord early = sample("partial");
        early.creating = true;
        early.pid = 0;
        REQUIRE(p->save_creating(early).ok());
        auto r2 = p->load_or_creating("partial");
        REQUIRE(r2.ok());
        CHECK(r2->creating);
        CHECK(r2->cgroup_path == early.cgroup_path);
        CHECK(r2->cgroup_created == early.cgroup_created);
        CHECK(r2->pid == 0);
        REQUIRE(p->save_init_pid(4242, 777).ok());
        auto r3 = p->load_or_creating("partial");
        REQUIRE(r3.ok());
        CHECK(r3->pid == 4242);
        CHECK(r3->pid_start_time == 777);
        CHECK(*list_ids(t.root()) == std::vector<std::string>{"c0", "c1", "partial"});
        // state.json, once written, is the record
        early.creating = false;
        early.pid = 9;
        REQUIRE(p->save(early).ok());
        auto r4 = p->load_or_creating("partial");
        REQUIRE(r4.ok());
        CHECK_FALSE(r4->creating);
        CHECK(r4->pid == 9);
        REQUIRE(p->remove().ok());
    }

    auto d = StateDir::open(t.root(), "c1");
    REQUIRE(d.ok());
    auto r = d->load();
    REQUIRE(r.ok());
    CHECK(r->bundle == "/b/c1");
    // Saving again replaces the record.
    r->pid = 7;
    REQUIRE(d->save(*r).ok());
    CHECK(d->load()->pid == 7);

    // Files left by the lifecycle (fifo, subdirectories) go with the directory.
    REQUIRE(mkfifo((d->path() + "/exec.fifo").c_str(), 0600) == 0);
    REQUIRE(mkdir((d->path() + "/sub").c_str(), 0700) == 0);
    REQUIRE(close(open((d->path() + "/sub/f").c_str(), O_CREAT | O_WRONLY, 0600)) == 0);
    REQUIRE(d->remove().ok());
    CHECK_FALSE(exists(t.root() + "/c1"));
    CHECK(*list_ids(t.root()) == std::vector<std::string>{"c0"});
}

TEST_CASE("state store: list of a missing root is empty", "[core][state]") {
    TempRoot t;
    auto ids = list_ids(t.path + "/nothing-here");
    REQUIRE(ids.ok());
    CHECK(ids->empty());
}

TEST_CASE("state store: exclusive create, unknown ids, uncommitted dirs vanish", "[core][state]") {
    TempRoot t;
    auto a = StateDir::create(t.root(), "dup");
    REQUIRE(a.ok());
    a->commit();
    auto b = StateDir::create(t.root(), "dup");
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().message == "container with id exists: dup");
    CHECK(b.error().err == EEXIST);
    CHECK(exists(t.root() + "/dup"));  // the failed create removed nothing

    auto o = StateDir::open(t.root(), "ghost");
    REQUIRE_FALSE(o.ok());
    CHECK(o.error().err == ENOENT);
    CHECK(o.error().message.find("does not exist") != std::string::npos);
    CHECK_FALSE(StateDir::peek(t.root(), "ghost").ok());

    {
        auto c = StateDir::create(t.root(), "temp");
        REQUIRE(c.ok());
        REQUIRE(c->save(sample("temp")).ok());
        StateDir moved = std::move(*c);  // ownership moves; still uncommitted
        CHECK(exists(t.root() + "/temp/state.json"));
    }
    CHECK_FALSE(exists(t.root() + "/temp"));
}

TEST_CASE("state store: remove takes the files skiff writes, and anything else left behind", "[core][state]") {
    TempRoot t;
    SECTION("a finished create's files") {
        auto d = StateDir::create(t.root(), "known");
        REQUIRE(d.ok());
        REQUIRE(d->save_creating(sample("known")).ok());
        REQUIRE(d->save_init_pid(4242, 1).ok());
        REQUIRE(d->save(sample("known")).ok());
        REQUIRE(d->remove().ok());
        CHECK_FALSE(exists(t.root() + "/known"));
        CHECK(d->remove().ok());  // again: nothing to do
    }
    SECTION("an exec.fifo, a temp file of a killed write, a directory") {
        auto d = StateDir::create(t.root(), "more");
        REQUIRE(d.ok());
        REQUIRE(d->save(sample("more")).ok());
        REQUIRE(mkfifoat(d->fd(), "exec.fifo", 0622) == 0);
        REQUIRE(unit::write_file(d->path() + "/state.json.tmp", "{"));
        REQUIRE(mkdirat(d->fd(), "sub", 0700) == 0);
        REQUIRE(unit::write_file(d->path() + "/sub/f", "x"));
        REQUIRE(d->remove().ok());
        CHECK_FALSE(exists(t.root() + "/more"));
    }
}

TEST_CASE("state store: bad ids are rejected before any path is built", "[core][state]") {
    TempRoot t;
    for (auto bad : {"../x", ".", "..", "a/b", "", "x\ny"}) {
        INFO(bad);
        CHECK_FALSE(StateDir::create(t.root(), bad).ok());
        CHECK_FALSE(StateDir::open(t.root(), bad).ok());
    }
    CHECK_FALSE(exists(t.path + "/x"));
    CHECK_FALSE(exists(t.root() + "/a"));
}

TEST_CASE("state store: compute_status", "[core][state]") {
    TempRoot t;
    auto d = StateDir::create(t.root(), "s");
    REQUIRE(d.ok());

    Child child;
    ContainerRecord r = sample("s");
    r.cgroup_path.clear();
    r.pid = child.pid;
    // The child may not have been scheduled yet, but its stat line exists from fork.
    r.pid_start_time = process_start_time(child.pid);
    REQUIRE(r.pid_start_time != 0);
    CHECK(compute_status(r, d->fd()) == oci::Status::Running);

    SECTION("exec.fifo present: created") {
        REQUIRE(mkfifo((d->path() + "/exec.fifo").c_str(), 0600) == 0);
        CHECK(compute_status(r, d->fd()) == oci::Status::Created);
    }
    SECTION("start time mismatch: the pid was reused") {
        r.pid_start_time += 1;
        CHECK(compute_status(r, d->fd()) == oci::Status::Stopped);
    }
    SECTION("frozen cgroup: paused") {
        std::string cg = t.path + "/cg";
        REQUIRE(mkdir(cg.c_str(), 0700) == 0);
        FILE* f = fopen((cg + "/cgroup.freeze").c_str(), "w");
        REQUIRE(f);
        fputs("1\n", f);
        fclose(f);
        r.cgroup_path = cg;
        CHECK(compute_status(r, d->fd()) == oci::Status::Paused);
    }
    SECTION("zombie: stopped") {
        ::kill(child.pid, SIGKILL);
        // Not reaped yet: a zombie until waitpid.
        for (int i = 0; i < 200 && compute_status(r, d->fd()) != oci::Status::Stopped; ++i) usleep(5000);
        CHECK(compute_status(r, d->fd()) == oci::Status::Stopped);
    }
    SECTION("dead: stopped") {
        pid_t pid = child.pid;
        child.reap();
        r.pid = pid;
        CHECK(compute_status(r, d->fd()) == oci::Status::Stopped);
        CHECK(process_start_time(pid) == 0);
    }
    SECTION("a record of an unfinished create: creating, whatever the init does") {
        r.creating = true;
        CHECK(compute_status(r, d->fd()) == oci::Status::Creating);
        r.pid = 0;
        CHECK(compute_status(r, d->fd()) == oci::Status::Creating);
        r.creating = false;
    }
    r.pid = 0;
    CHECK(compute_status(r, d->fd()) == oci::Status::Stopped);
}

TEST_CASE("state store: OCI state omits pid once stopped", "[core][state]") {
    ContainerRecord r = sample("c1");
    oci::State running = to_oci_state(r, oci::Status::Running);
    CHECK(running.ociVersion == "1.3.0");
    CHECK(running.id == "c1");
    CHECK(running.pid == 4242);
    CHECK(running.bundle == "/b/c1");
    CHECK(running.annotations == r.annotations);
    CHECK_FALSE(to_oci_state(r, oci::Status::Stopped).pid);
}

TEST_CASE("state store: default root", "[core][state]") {
    if (geteuid() == 0) CHECK(default_root() == "/run/skiff");
    else CHECK(default_root().find("skiff") != std::string::npos);
}
