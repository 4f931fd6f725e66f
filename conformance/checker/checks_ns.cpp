// Namespaces, identity (hostname, domainname, id mappings), sysctl, time
// namespace offsets and cgroup membership.
#include <cstdlib>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "checker.hpp"

namespace conf {

namespace {

const char* proc_ns_name(const std::string& type) {
    if (type == "network") return "net";
    if (type == "mount") return "mnt";
    return nullptr;
}

std::string env_or(const std::string& key) {
    const char* v = std::getenv(key.c_str());
    return v ? v : "";
}

}  // namespace

void check_namespaces(const Json& cfg) {
    const char* types[] = {"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"};
    const Json& list = cfg["linux"]["namespaces"];
    for (const char* type : types) {
        std::string sec = "config-linux.namespaces";
        std::string name = std::string(type);
        const char* pn = proc_ns_name(type);
        std::string link = "/proc/self/ns/" + std::string(pn ? pn : type);
        struct stat st {};
        if (::stat(link.c_str(), &st) != 0) {
            skip(sec, name, "no " + link + " in the container");
            continue;
        }
        std::string host = env_or("CONF_HOST_NS_" + std::string(type));
        if (host.empty()) {
            skip(sec, name, "driver passed no host inode");
            continue;
        }
        const Json* entry = nullptr;
        for (const auto& ns : list.items)
            if (ns["type"].str() == type) entry = &ns;
        std::string mine = std::to_string(st.st_ino);
        if (!entry) {
            expect(mine == host, sec, name + " inherited",
                   "not listed but container ns " + mine + " != runtime ns " + host);
        } else if ((*entry)["path"].is_null()) {
            expect(mine != host, sec, name + " new", "listed without path but still in the runtime ns " + host);
        } else {
            std::string want = env_or("CONF_JOIN_NS_" + std::string(type));
            expect(!want.empty() && mine == want, sec, name + " joined",
                   "in ns " + mine + ", path has ns " + want);
        }
    }
}

static void check_idmap(const Json& list, const std::string& file, const std::string& field) {
    std::string sec = "config-linux.user-namespace-mappings";
    std::vector<std::string> got;
    for (const auto& l : split(read_file(file), '\n')) {
        auto t = trim(l);
        if (t.empty()) continue;
        std::string norm;
        for (const auto& tok : split(t, ' '))
            if (!tok.empty()) norm += (norm.empty() ? "" : " ") + tok;
        got.push_back(norm);
    }
    std::vector<std::string> want;
    for (const auto& m : list.items)
        want.push_back(std::to_string(m["containerID"].uint_or(0)) + " " +
                       std::to_string(m["hostID"].uint_or(0)) + " " + std::to_string(m["size"].uint_or(0)));
    std::string seen;
    for (auto& g : got) seen += "[" + g + "]";
    expect(got == want, sec, field, file + " is " + seen);
}

void check_identity(const Json& cfg) {
    struct utsname u {};
    ::uname(&u);
    if (cfg.has("hostname"))
        expect(cfg["hostname"].str() == u.nodename, "config.hostname", "hostname",
               std::string("uname nodename is ") + u.nodename);
    if (cfg.has("domainname"))
        expect(cfg["domainname"].str() == u.domainname, "config.domainname", "domainname",
               std::string("uname domainname is ") + u.domainname);
    const Json& lx = cfg["linux"];
    if (!lx["uidMappings"].items.empty()) check_idmap(lx["uidMappings"], "/proc/self/uid_map", "uidMappings");
    if (!lx["gidMappings"].items.empty()) check_idmap(lx["gidMappings"], "/proc/self/gid_map", "gidMappings");
}

void check_sysctl(const Json& cfg) {
    for (const auto& [key, val] : cfg["linux"]["sysctl"].members) {
        std::string path = "/proc/sys/" + key;
        for (size_t i = 10; i < path.size(); ++i)
            if (path[i] == '.') path[i] = '/';
        bool ok = false;
        std::string got = trim(read_file(path, &ok));
        for (char& c : got)
            if (c == '\t') c = ' ';
        expect(ok && got == trim(val.str()), "config-linux.sysctl", key,
               ok ? "value is \"" + got + "\"" : "cannot read " + path);
    }
}

void check_time_offsets(const Json& cfg) {
    const Json& offs = cfg["linux"]["timeOffsets"];
    if (offs.members.empty()) return;
    std::string text = read_file("/proc/self/timens_offsets");
    for (const auto& [clock, off] : offs.members) {
        std::string want = clock + " " + std::to_string(off["secs"].int_or(0)) + " " +
                           std::to_string(off["nanosecs"].int_or(0));
        bool found = false;
        for (const auto& l : split(text, '\n')) {
            std::string norm;
            for (const auto& tok : split(trim(l), ' '))
                if (!tok.empty()) norm += (norm.empty() ? "" : " ") + tok;
            if (norm == want) found = true;
        }
        expect(found, "config-linux.time-offsets", clock, "timens_offsets: " + text);
    }
}

void check_cgroup(const Json& cfg) {
    std::string sec = "config-linux.cgroups-path";
    std::string path = cfg["linux"]["cgroupsPath"].str();
    if (path.empty()) return;
    std::string v2;
    for (const auto& l : split(read_file("/proc/self/cgroup"), '\n'))
        if (l.compare(0, 3, "0::") == 0) v2 = l.substr(3);
    if (v2.empty()) {
        skip(sec, "membership", "no cgroup v2 line in /proc/self/cgroup (hybrid host)");
        return;
    }
    bool own_ns = false;
    for (const auto& ns : cfg["linux"]["namespaces"].items)
        if (ns["type"].str() == "cgroup" && ns["path"].is_null()) own_ns = true;
    if (own_ns) {
        expect(v2 == "/", sec, "membership in new cgroup ns", "cgroup path is " + v2);
        return;
    }
    // Relative paths are placed under a runtime-chosen parent; an absolute
    // path is taken relative to the cgroup mount point (config-linux.md).
    std::string want = path[0] == '/' ? path : "/" + path;
    bool good = path[0] == '/' ? v2 == want
                               : v2.size() >= want.size() && v2.compare(v2.size() - want.size(), want.size(), want) == 0;
    expect(good, sec, "membership", "cgroup is " + v2);
}

}  // namespace conf
