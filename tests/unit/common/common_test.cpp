// common/: the text, file and run helpers every layer shares.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/clock.hpp"
#include "common/fd.hpp"
#include "common/file.hpp"
#include "common/run.hpp"
#include "common/text.hpp"

using namespace skiff;

namespace {

// A RunSpec whose argv outlives it.
struct Cmd {
    std::vector<std::string> words;
    std::vector<char*> argv;
    RunSpec spec;
    explicit Cmd(std::vector<std::string> w) : words(std::move(w)), argv(c_strings(words)) { spec.argv = argv.data(); }
};

}  // namespace

TEST_CASE("split keeps empty fields, fields drops them", "[common]") {
    auto s = split("a::b", ":");
    REQUIRE(s.size() == 3);
    CHECK(s[0] == "a");
    CHECK(s[1].empty());
    CHECK(s[2] == "b");
    CHECK(split("", ":").size() == 1);
    CHECK(fields("  a  b\n", " \n") == std::vector<std::string>{"a", "b"});
    CHECK(fields("", " ").empty());
    CHECK(trim_end("x y \n\n") == "x y");
    CHECK(trim_end("\n").empty());
}

TEST_CASE("read_file returns the bytes or an error naming the path", "[common]") {
    char tmpl[] = "/tmp/skiff-unit-XXXXXX";
    UniqueFd fd(mkstemp(tmpl));
    REQUIRE(fd);
    REQUIRE(write(fd.get(), "one\ntwo", 7) == 7);
    auto r = read_file(tmpl);
    unlink(tmpl);
    REQUIRE(r);
    CHECK(*r == "one\ntwo");
    auto missing = read_file(tmpl);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find(tmpl) != std::string::npos);
    CHECK(missing.error().err == ENOENT);
}

TEST_CASE("run_command captures output, feeds input and reports the status", "[common]") {
    Cmd c({"sh", "-c", "cat; echo err >&2; exit 3"});
    c.spec.input = "from stdin\n";
    auto f = run_command(c.spec);
    REQUIRE(f);
    CHECK(f->exited());
    CHECK(f->exit_code() == 3);
    CHECK_FALSE(f->success());
    CHECK(f->output == "from stdin\nerr");

    Cmd t({"true"});
    f = run_command(t.spec);
    REQUIRE(f);
    CHECK(f->success());
    CHECK(f->output.empty());
}

TEST_CASE("run_command: only fds 0-2 reach the program", "[common]") {
    UniqueFd leak(open("/dev/null", O_RDONLY));  // not CLOEXEC
    REQUIRE(leak.get() > 2);
    Cmd c({"sh", "-c", "ls /proc/self/fd"});
    auto f = run_command(c.spec);
    REQUIRE(f);
    // 0, 1, 2 and the fd ls opens for the directory
    CHECK(fields(f->output, "\n").size() == 4);
}

TEST_CASE("run_command: env, path, exec failure, timeout, output cap", "[common]") {
    std::vector<std::string> env{"ONLY=this"};
    auto envp = c_strings(env);
    Cmd c({"env"});
    c.spec.path = "/usr/bin/env";
    c.spec.envp = envp.data();
    auto f = run_command(c.spec);
    REQUIRE(f);
    CHECK(f->output == "ONLY=this");

    Cmd missing({"prog"});
    missing.spec.path = "/nonexistent/prog";
    f = run_command(missing.spec);
    REQUIRE(f);
    CHECK(f->exit_code() == 127);
    CHECK(f->output.find("exec: No such file") != std::string::npos);

    Cmd slow({"sleep", "10"});
    slow.spec.timeout_ms = 100;
    const int64_t t0 = monotonic_ms();
    f = run_command(slow.spec);
    REQUIRE(f);
    CHECK(f->timed_out);
    CHECK(f->term_signal() == SIGKILL);
    CHECK(monotonic_ms() - t0 < 5000);

    Cmd big({"sh", "-c", "head -c 100000 /dev/zero"});
    big.spec.max_output = 1000;
    f = run_command(big.spec);
    REQUIRE(f);
    CHECK(f->success());  // the rest was read and dropped: no SIGPIPE, no hang
    CHECK(f->output.size() == 1000);
}
