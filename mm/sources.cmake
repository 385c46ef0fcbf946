# Memory management: all portable, all also built into the host tests
# except the kernel address space, which activates real tables.
set(MM_PURE_SOURCES
  ${CMAKE_SOURCE_DIR}/mm/heap.c
  ${CMAKE_SOURCE_DIR}/mm/pmm.c
  ${CMAKE_SOURCE_DIR}/mm/pt.c
  ${CMAKE_SOURCE_DIR}/mm/uaccess.c
  ${CMAKE_SOURCE_DIR}/mm/shm.c
  ${CMAKE_SOURCE_DIR}/mm/vmspace.c
)
set(MM_KERNEL_SOURCES
  ${CMAKE_SOURCE_DIR}/mm/kvm.c
  ${CMAKE_SOURCE_DIR}/mm/kstack.c
)
