# The disk of the arch: build/ARCH/disk/fat.img, a 1.44 MB FAT12 image
# (ci/mkdisk: mkfs.fat and mcopy) with sample files and the programs of
# user/programs/ (DISK_PROGRAMS), made again when one of them changes.
# ci/boot attaches a copy of it to every machine.
set(DISK_IMAGE ${CMAKE_BINARY_DIR}/disk/fat.img)
add_custom_command(OUTPUT ${DISK_IMAGE}
  COMMAND ${CMAKE_SOURCE_DIR}/ci/mkdisk ${KERNEL_ARCH} ${DISK_IMAGE} ${DISK_PROGRAMS}
  DEPENDS ${DISK_PROGRAMS} ${CMAKE_SOURCE_DIR}/ci/mkdisk
  COMMENT "FAT12 disk image ${DISK_IMAGE}" VERBATIM)
add_custom_target(disk_image ALL DEPENDS ${DISK_IMAGE})
