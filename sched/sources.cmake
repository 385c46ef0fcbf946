# The scheduler's policy: portable, also built into the host tests.
set(SCHED_PURE_SOURCES
  ${CMAKE_SOURCE_DIR}/sched/sched.c
)
