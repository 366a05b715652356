/* A stand-in for a shared library in the image fixtures (testdata/image): an ELF shared object
 * whose only meaningful parts are its class, machine and SONAME (set at link time). The
 * library-resolution rule (GS504) reads those and never runs the code; committing real glibc
 * instead would commit third-party binaries. Built with -nostdlib, so nothing else is linked. */
int gostatic_stand_in(void) { return 0; }
