# Makefile: a thin front for CMake and the scripts.
#   make / make build   configure and build into build/
#   make run            install deps, build, run build/sotto (ARGS="...")
#   make test           every test: normal, ASan/UBSan and fuzz builds
#   make clean          remove every build directory
.PHONY: all build run test clean

all: build

build:
	cmake -S . -B build
	cmake --build build -j2

run:
	bash scripts/run.sh $(ARGS)

test:
	bash scripts/test.sh

clean:
	rm -rf build build-asan build-fuzz
