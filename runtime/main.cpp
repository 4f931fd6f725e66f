// skiff: an OCI container runtime with runc's command line.
#include "cli/commands.hpp"

int main(int argc, char** argv) { return skiff::cli::run_cli(argc, argv); }
