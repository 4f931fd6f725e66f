// Hooks prepared in the parent and run (as the init runs them) from the
// prepared commands alone.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "linux/hooks.hpp"

using namespace skiff::linux;
namespace fs = std::filesystem;

namespace {

oci::Hook sh(const std::string& script) {
    oci::Hook h;
    h.path = "/bin/sh";
    h.args = oci::Strings{"sh", "-c", script};
    return h;
}

struct TempDir {
    std::string path;
    TempDir() {
        char t[] = "/tmp/skiff-hooks-test-XXXXXX";
        REQUIRE(::mkdtemp(t));
        path = t;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string read(const std::string& name) const {
        std::ifstream f(path + "/" + name);
        std::stringstream s;
        s << f.rdbuf();
        return s.str();
    }
};

}  // namespace

TEST_CASE("prepare_hooks: argv, envp, label and timeout are ready", "[hooks]") {
    CHECK(prepare_hooks(std::nullopt, "startContainer").empty());

    std::vector<oci::Hook> list;
    oci::Hook bare;
    bare.path = "/usr/bin/true";
    list.push_back(bare);
    oci::Hook full = sh("exit 0");
    full.env = oci::Strings{"A=1"};
    full.timeout = 5;
    list.push_back(full);

    PreparedHooks p = prepare_hooks(list, "createContainer");
    CHECK(p.kind == "createContainer");
    REQUIRE(p.commands.size() == 2);
    const HookCommand& b = p.commands[0];
    CHECK(b.label == "createContainer hook [0] \"/usr/bin/true\"");
    REQUIRE(b.argv.size() == 2);  // no args: argv[0] is the path
    CHECK(std::string(b.argv[0]) == "/usr/bin/true");
    CHECK(b.argv[1] == nullptr);
    CHECK(b.envp.empty());  // no env: skiff's own environment
    CHECK(b.timeout == 0);

    // Moved (as into InitSpec): the arrays still point at the strings.
    PreparedHooks moved = std::move(p);
    const HookCommand& f = moved.commands[1];
    REQUIRE(f.argv.size() == 4);
    CHECK(std::string(f.argv[0]) == "sh");
    CHECK(std::string(f.argv[2]) == "exit 0");
    CHECK(f.argv[3] == nullptr);
    REQUIRE(f.envp.size() == 2);
    CHECK(std::string(f.envp[0]) == "A=1");
    CHECK(f.envp[1] == nullptr);
    CHECK(f.timeout == 5);
}

TEST_CASE("run_hooks: prepared hooks get the state and exactly their env", "[hooks]") {
    TempDir d;
    std::vector<oci::Hook> list;
    list.push_back(sh("cat > " + d.path + "/state; env > " + d.path + "/env"));
    list.back().env = oci::Strings{"ONLY=this"};
    PreparedHooks p = prepare_hooks(list, "startContainer");
    REQUIRE(run_hooks(p, "{\"id\":\"x\"}").ok());
    CHECK(d.read("state") == "{\"id\":\"x\"}");
    CHECK(d.read("env").find("ONLY=this") != std::string::npos);
    CHECK(d.read("env").find("PATH=") == std::string::npos);
}

TEST_CASE("run_hooks: a failure names the hook; poststop keeps going", "[hooks]") {
    TempDir d;
    std::vector<oci::Hook> list;
    list.push_back(sh("echo oops; exit 3"));
    list.push_back(sh("touch " + d.path + "/second"));

    auto r = run_hooks(prepare_hooks(list, "createContainer"), "{}");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "createContainer hook [0] \"/bin/sh\": exit status 3: oops");
    CHECK_FALSE(fs::exists(d.path + "/second"));  // stopped at the first failure

    CHECK(run_hooks(list, "poststop", "{}").ok());  // logged, not returned
    CHECK(fs::exists(d.path + "/second"));
}
