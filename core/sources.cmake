# Portable core. CORE_PURE_SOURCES touch no hardware and are also built
# into the host tests; CORE_KERNEL_SOURCES run only in the kernel.
set(CORE_PURE_SOURCES
  ${CMAKE_SOURCE_DIR}/core/boot_info.c
  ${CMAKE_SOURCE_DIR}/core/elf.c
  ${CMAKE_SOURCE_DIR}/core/fdt.c
  ${CMAKE_SOURCE_DIR}/core/fdt_boot.c
  ${CMAKE_SOURCE_DIR}/core/kprintf.c
  ${CMAKE_SOURCE_DIR}/core/kstring.c
  ${CMAKE_SOURCE_DIR}/core/lineedit.c
  ${CMAKE_SOURCE_DIR}/core/mb2.c
)
set(CORE_KERNEL_SOURCES
  ${CMAKE_SOURCE_DIR}/core/kmain.c
  ${CMAKE_SOURCE_DIR}/core/init.c
  ${CMAKE_SOURCE_DIR}/core/console.c
  ${CMAKE_SOURCE_DIR}/core/irq.c
  ${CMAKE_SOURCE_DIR}/core/kthread.c
  ${CMAKE_SOURCE_DIR}/core/metrics.c
  ${CMAKE_SOURCE_DIR}/core/process.c
  ${CMAKE_SOURCE_DIR}/core/syscall.c
  ${CMAKE_SOURCE_DIR}/core/sys_shm.c
  ${CMAKE_SOURCE_DIR}/core/timer.c
  ${CMAKE_SOURCE_DIR}/core/panic.c
  ${CMAKE_SOURCE_DIR}/core/shell.c
  ${CMAKE_SOURCE_DIR}/core/trap.c
)
