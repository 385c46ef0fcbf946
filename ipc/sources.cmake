# IPC. IPC_PURE_SOURCES touch no thread and are also built into the host
# tests; IPC_KERNEL_SOURCES run only in the kernel.
set(IPC_PURE_SOURCES
  ${CMAKE_SOURCE_DIR}/ipc/port.c
  ${CMAKE_SOURCE_DIR}/ipc/notification.c
)
set(IPC_KERNEL_SOURCES
  ${CMAKE_SOURCE_DIR}/ipc/ipc.c
  ${CMAKE_SOURCE_DIR}/ipc/xous.c
  ${CMAKE_SOURCE_DIR}/ipc/notify.c
  ${CMAKE_SOURCE_DIR}/ipc/file.c
)
