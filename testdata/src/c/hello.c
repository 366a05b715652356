/* hello.c: a tiny C program for the static and dynamic C fixtures. */
#include <stdio.h>

int main(void) {
    puts("hello from C");
    return 0;
}
