/* nss.c: a C program that uses glibc's NSS (getpwnam, getaddrinfo). Linked statically, glibc
 * still dlopens its NSS modules at run time, so it fails on a scratch image. */
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    struct passwd *pw = getpwnam("nobody");
    printf("nobody: %s\n", pw ? pw->pw_dir : "not found");
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    int err = getaddrinfo(argc > 1 ? argv[1] : "localhost", "80", &hints, &res);
    printf("getaddrinfo: %s\n", err ? gai_strerror(err) : "ok");
    if (res) freeaddrinfo(res);
    return 0;
}
