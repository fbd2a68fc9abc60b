/* main.c - placeholder entry point until the CLI lands. */
#include <stdio.h>
int main(void)
{
	fputs("tlbsim: CLI not built yet\n", stderr);
	return 2;
}
