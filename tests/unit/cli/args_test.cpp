// Flag parsing with runc's spellings, signal names, ids.
#include <catch2/catch.hpp>

#include <csignal>

#include "cli/args.hpp"
#include "cli/commands.hpp"

using namespace skiff::cli;

namespace {

constexpr FlagSpec specs[] = {
    {"bundle", 'b', true, "DIR", ""},
    {"detach", 'd', false, "", ""},
    {"pid-file", 0, true, "FILE", ""},
    {"env", 'e', true, "", ""},
};

oci::Result<Parsed> parse(std::vector<std::string> args, bool stop = false) {
    return parse_flags(specs, args, "run", stop);
}

}  // namespace

TEST_CASE("every spelling of a value flag reaches the same value", "[cli][args]") {
    for (auto args : std::vector<std::vector<std::string>>{{"--bundle", "/b", "c1"},
                                                           {"--bundle=/b", "c1"},
                                                           {"-bundle", "/b", "c1"},
                                                           {"-bundle=/b", "c1"},
                                                           {"-b", "/b", "c1"},
                                                           {"--b", "/b", "c1"},
                                                           {"-b=/b", "c1"},
                                                           {"c1", "--bundle", "/b"}}) {
        INFO(args[0]);
        auto p = parse(args);
        REQUIRE(p.ok());
        CHECK(p->get("bundle") == "/b");
        REQUIRE(p->positional == std::vector<std::string>{"c1"});
    }
}

TEST_CASE("boolean flags", "[cli][args]") {
    CHECK(parse({"-d", "c1"})->flag("detach"));
    CHECK(parse({"--detach", "c1"})->flag("detach"));
    CHECK(parse({"-detach", "c1"})->flag("detach"));
    CHECK(parse({"--detach=true", "c1"})->flag("detach"));
    CHECK_FALSE(parse({"--detach=false", "c1"})->flag("detach"));
    CHECK_FALSE(parse({"c1"})->flag("detach"));
    // A boolean never swallows the next argument.
    auto p = parse({"-d", "c1"});
    CHECK(p->positional == std::vector<std::string>{"c1"});
    auto bad = parse({"--detach=maybe"});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == "invalid boolean value \"maybe\" for \"--detach\"");
}

TEST_CASE("value flags take the next argument even when it starts with a dash", "[cli][args]") {
    auto p = parse({"--pid-file", "-weird", "c1"});
    REQUIRE(p.ok());
    CHECK(p->get("pid-file") == "-weird");
}

TEST_CASE("repeated flags keep every value, get() returns the last", "[cli][args]") {
    auto p = parse({"-e", "A=1", "--env", "B=2", "c1"});
    REQUIRE(p.ok());
    CHECK(p->all("env") == std::vector<std::string>{"A=1", "B=2"});
    CHECK(p->get("env") == "B=2");
}

TEST_CASE("-- ends the flags; stop_at_positional keeps the process's own flags", "[cli][args]") {
    auto p = parse({"--", "-d", "c1"});
    REQUIRE(p.ok());
    CHECK_FALSE(p->flag("detach"));
    CHECK(p->positional == std::vector<std::string>{"-d", "c1"});

    auto e = parse({"-d", "c1", "sh", "-c", "--bundle"}, /*stop=*/true);
    REQUIRE(e.ok());
    CHECK(e->flag("detach"));
    CHECK(e->positional == std::vector<std::string>{"c1", "sh", "-c", "--bundle"});
    // A lone "-" is an argument (stdin), not a flag.
    CHECK(parse({"-"})->positional == std::vector<std::string>{"-"});
}

TEST_CASE("unknown flags and missing values are clear errors", "[cli][args]") {
    auto u = parse({"--foo", "c1"});
    REQUIRE_FALSE(u.ok());
    CHECK(u.error().message == "unknown flag \"--foo\" for \"run\"");
    auto s = parse({"-x"});
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message == "unknown flag \"-x\" for \"run\"");
    auto m = parse({"c1", "--bundle"});
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().message == "flag \"--bundle\" for \"run\" needs a value");
}

TEST_CASE("signals by name, with or without SIG, any case, or number", "[cli][signal]") {
    CHECK(*parse_signal("KILL") == SIGKILL);
    CHECK(*parse_signal("SIGKILL") == SIGKILL);
    CHECK(*parse_signal("sigkill") == SIGKILL);
    CHECK(*parse_signal("term") == SIGTERM);
    CHECK(*parse_signal("9") == 9);
    CHECK(*parse_signal("0") == 0);  // kill(2)'s liveness check, accepted by runc
    CHECK(*parse_signal("SIGUSR1") == SIGUSR1);
    CHECK(*parse_signal("CHLD") == SIGCHLD);
    CHECK(*parse_signal("cld") == SIGCHLD);
    CHECK(*parse_signal("IOT") == SIGABRT);
    CHECK(*parse_signal("RTMIN") == SIGRTMIN);
    CHECK(*parse_signal("SIGRTMIN+3") == SIGRTMIN + 3);
    CHECK(*parse_signal("RTMAX-1") == SIGRTMAX - 1);
    for (auto bad : {"", "65", "FOO", "SIG", "RTMIN+99", "9x", "-9", "KILL9"}) {
        INFO(bad);
        auto r = parse_signal(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find("unknown signal") == 0);
    }
}

TEST_CASE("container ids are validated before any path is built", "[cli][id]") {
    for (auto bad : {"../x", ".", "..", "a/b", "", "a b", "/abs"}) {
        INFO(bad);
        Parsed p;
        p.positional = {bad};
        CHECK_FALSE(container_id(p).ok());
    }
    for (auto good : {"c1", "a.b", "A_b-c+d", "x..y"}) {
        INFO(good);
        Parsed p;
        p.positional = {good};
        auto r = container_id(p);
        REQUIRE(r.ok());
        CHECK(*r == good);
    }
}

TEST_CASE("create options: paths become absolute, --preserve-fds is a number", "[cli][args]") {
    Parsed p;
    p.positional = {"c1"};
    p.values["bundle"] = {"rel/bundle"};
    p.values["pid-file"] = {"/abs/pid"};
    p.values["preserve-fds"] = {"3"};
    auto o = create_options(p);
    REQUIRE(o.ok());
    CHECK(o->id == "c1");
    REQUIRE(o->bundle.front() == '/');
    CHECK(o->bundle.size() > std::string("/rel/bundle").size() - 1);
    CHECK(o->bundle.substr(o->bundle.size() - 11) == "/rel/bundle");
    CHECK(o->pid_file == "/abs/pid");
    CHECK(o->preserve_fds == 3);
    p.values["preserve-fds"] = {"x"};
    CHECK_FALSE(create_options(p).ok());
}

TEST_CASE("every command is in the table with a unique name", "[cli][commands]") {
    for (auto name : {"create", "start", "run", "kill", "delete", "state", "list", "spec", "features", "ps",
                      "exec", "pause", "resume", "update", "events", "checkpoint", "restore", "check"}) {
        INFO(name);
        const Command* c = find_command(name);
        REQUIRE(c);
        CHECK(c->name == name);
        CHECK(c->run != nullptr);
    }
    CHECK(find_command("bogus") == nullptr);
    CHECK(find_command("exec")->stop_at_positional);
}
