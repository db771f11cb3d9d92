// pubsub: the command-line tool. Everything is in cli.cc and the commands.
#include "tools/cli/cli.h"

int main(int argc, char** argv) { return pubsub::cli::Main(argc, argv); }
