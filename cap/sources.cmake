# Capabilities: portable, also built into the host tests.
set(CAP_PURE_SOURCES
  ${CMAKE_SOURCE_DIR}/cap/cap.c
)
