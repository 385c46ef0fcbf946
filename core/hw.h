/*
 * Hardware capabilities (include/abi/hw.h says what user space sees):
 * the system calls, the root capabilities `init` gets, and what happens
 * when a holder dies.
 */
#ifndef CORE_HW_H
#define CORE_HW_H

#include <stdbool.h>
#include <stdint.h>

struct boot_info;
struct cap_space;
struct ipc_endpoint;
struct process;
struct trap_frame;

/* Remember what the kernel owns (its RAM): kmain, after mm_init. */
void hw_init(const struct boot_info *bi);
/* Whether ports [port, port + count) meet the ones the kernel keeps (arch_kernel_ports). */
bool hw_ports_are_kernel(uint32_t port, uint32_t count);
/*
 * Does `p` hold the machine's root device capability with WRITE (the
 * power's: init, and the device manager it hands it to)? What such a
 * process starts is the hardware's authority's.
 */
bool hw_holds_root(const struct process *p);
/* Whether [base, base + size) meets the kernel's RAM or the registers it keeps. */
bool hw_phys_is_kernel(uint64_t base, uint64_t size);
/*
 * The root hardware capabilities into `cs` (init's): all MMIO, all lines,
 * DMA, the machine description and each PCI host bridge's buses. (The I/O
 * ports are init_create's, as before.) Checks room first.
 */
int hw_root_caps(struct cap_space *cs);
/* Xous INTERRUPT_CLAIM of a device line for server `ep`, with the capability check. */
int hw_xous_claim(struct process *p, uint64_t line, struct ipc_endpoint *ep);
/* Whether a device line is claimed for Xous server `ep` (a server takes one line). */
bool hw_endpoint_has_line(const struct ipc_endpoint *ep);
/* An endpoint goes: the lines claimed for it are released. */
void hw_endpoint_gone(struct ipc_endpoint *ep);
/* A process ends (before its memory goes): lines released, bus mastering off. */
void hw_process_exit(struct process *p);
/* After its address space went: the DMA frames it made are freed. */
void hw_process_freed(struct process *p);
/* arch_counter() when the last interrupt on a bound line was taken (benchmarks). */
uint64_t hw_irq_stamp(void);

int sys_interrupt_bind(struct trap_frame *tf, struct process *p);
int sys_interrupt_ack(struct trap_frame *tf, struct process *p);
int sys_interrupt_unbind(struct trap_frame *tf, struct process *p);
int sys_mmio_map(struct trap_frame *tf, struct process *p);
int sys_port_in(struct trap_frame *tf, struct process *p);
int sys_port_out(struct trap_frame *tf, struct process *p);
int sys_keyboard_input(struct trap_frame *tf, struct process *p);
int sys_cap_derive_range(struct trap_frame *tf, struct process *p);
int sys_dma_alloc(struct trap_frame *tf, struct process *p);
int sys_dma_pin(struct trap_frame *tf, struct process *p);
int sys_dma_release(struct trap_frame *tf, struct process *p);
int sys_pci_config_read(struct trap_frame *tf, struct process *p);
int sys_pci_config_write(struct trap_frame *tf, struct process *p);
int sys_pci_interrupt(struct trap_frame *tf, struct process *p);
int sys_pci_msi_alloc(struct trap_frame *tf, struct process *p);
int sys_machine_info(struct trap_frame *tf, struct process *p);
int sys_power_off(struct trap_frame *tf, struct process *p);
int sys_power_watch(struct trap_frame *tf, struct process *p);
/*
 * A power-off asked for (the kernel shell): with a watcher, signal it and
 * wait up to POWER_GRACE_MS for it to power off, then power off anyway.
 */
_Noreturn void hw_power_off_request(int status);

#endif
