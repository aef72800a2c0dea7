// libzmq's C API; the include path comes from pkg-config `libzmq`. Only Sources/Shared/Wire/ZMQ.swift
// calls it.
#include <zmq.h>
