// A fake cgroup v2 tree in a temp dir: plain files where the kernel would
// have them, so controllers can be checked without root or real cgroups.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

struct FakeTree {
    std::string root;
    FakeTree() {
        char tmpl[] = "/tmp/skiff-cgroup-test-XXXXXX";
        REQUIRE(mkdtemp(tmpl));
        root = tmpl;
        put("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma\n");
        put("cgroup.subtree_control", "");
    }
    ~FakeTree() {
        std::error_code ec;
        std::filesystem::remove_all(root, ec);
    }
    // A cgroup dir below root with the given files (all empty).
    std::string mkcg(const std::string& rel, std::initializer_list<const char*> files) {
        std::string d = root + "/" + rel;
        std::filesystem::create_directories(d);
        for (const char* f : files) put(rel + "/" + f, "");
        return d;
    }
    void put(const std::string& rel, const std::string& content) const {
        std::ofstream(root + "/" + rel) << content;
    }
    std::string get(const std::string& rel) const {
        std::ifstream f(root + "/" + rel);
        std::stringstream s;
        s << f.rdbuf();
        return s.str();
    }
};
