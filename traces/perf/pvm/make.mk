CFLAGS=-O2 -I../../../src -I../../../include
all: f1.o f2.o f3.o f4.o f5.o f6.o 
%.o: %.c
	gcc $(CFLAGS) -c $< -o $@
