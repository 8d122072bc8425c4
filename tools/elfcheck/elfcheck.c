/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * amplink-elfcheck: checks an STM32MP157 Cortex-M4 firmware image the way
 * Linux's remoteproc will treat it, before anyone copies it to a board.
 *
 * Mirrored from Linux 6.1 (each check names its source):
 *   remoteproc_elf_loader.c  rproc_elf_sanity_check, rproc_elf_load_segments,
 *                            find_table, rproc_elf_find_loaded_rsc_table
 *   rsc_table.h              rsc_table_for_each_entry
 *   remoteproc_core.c        rproc_handle_vdev, rproc_parse_vring,
 *                            rproc_alloc_vring, rproc_handle_trace
 *   virtio_ring.c, virtio_rpmsg_bus.c  what the vrings must be for rpmsg
 * and beyond what Linux checks, what the M4 needs to run at all: every
 * loaded byte in the M4's memory and out of the rpmsg area the device tree
 * reserves for Linux, a valid initial stack pointer and reset vector.
 *
 * Every problem found is reported; the exit status is 0 when there is none,
 * 1 when the image is rejected, 2 when it cannot be read.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The M4's view of memory (RM0436 memory map; ST's DK2 device tree). */
#define RETRAM_BASE 0x00000000u
#define RETRAM_SIZE 0x00010000u
#define MCUSRAM_BASE 0x10000000u
#define MCUSRAM_SIZE 0x00040000u /* SRAM1 + SRAM2: the DT's mcuram2 */
#define IPC_BASE 0x10040000u	 /* vdev0vring0, vdev0vring1, vdev0buffer */
#define IPC_END 0x10046000u
#define VRING_CARVEOUT 0x1000u /* vdev0vringN size */
#define VDEV_BUFFER 0x4000u    /* vdev0buffer size */
#define PAGE 4096u

/* The remoteproc resource table ABI (include/linux/remoteproc.h). */
#define RSC_HDR_SIZE 16u
#define RSC_CARVEOUT 0u
#define RSC_DEVMEM 1u
#define RSC_TRACE 2u
#define RSC_VDEV 3u
#define RSC_ANY 0xFFFFFFFFu
#define VDEV_SIZE 24u  /* fw_rsc_vdev up to vring[] */
#define VRING_SIZE 20u /* fw_rsc_vdev_vring */
#define TRACE_SIZE 44u /* fw_rsc_trace */
#define ENTRY_HDR 4u   /* fw_rsc_hdr.type */
#define VIRTIO_ID_RPMSG 7u
#define VIRTIO_RPMSG_F_NS 0u
/* What this firmware declares: ST's geometry for the DK boards. */
#define EXPECT_ALIGN 16u
#define RPMSG_BUF_SIZE 512u

struct image {
	const char *path;
	uint8_t *data;
	size_t size;
	unsigned int problems;
	bool quiet;
	/* program headers, decoded */
	unsigned int phnum;
	Elf32_Phdr *ph;
	/* for the summary */
	uint32_t rsc_addr, rsc_size, vring_num, trace_da, trace_len, sp, reset;
};

static void problem(struct image *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct image *im, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "amplink-elfcheck: %s: ", im->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	im->problems++;
}

/* Little-endian reads that cannot run past the image (callers check first). */
static uint32_t get16(const struct image *im, uint64_t off)
{
	const uint8_t *p = im->data + off;

	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get32(const struct image *im, uint64_t off)
{
	const uint8_t *p = im->data + off;

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool in_file(const struct image *im, uint64_t off, uint64_t len)
{
	return off <= im->size && len <= im->size - off;
}

static bool is_pow2(uint32_t v)
{
	return v && (v & (v - 1u)) == 0;
}

/* [a, a + len) inside [base, base + size), without overflow. */
static bool inside(uint64_t a, uint64_t len, uint64_t base, uint64_t size)
{
	return a >= base && a - base <= size && len <= size - (a - base);
}

static bool overlaps(uint64_t a, uint64_t len, uint64_t base, uint64_t end)
{
	return a < end && a + len > base;
}

static bool in_m4_memory(uint64_t a, uint64_t len)
{
	return inside(a, len, RETRAM_BASE, RETRAM_SIZE) ||
	       inside(a, len, MCUSRAM_BASE, MCUSRAM_SIZE);
}

static int read_file(struct image *im)
{
	FILE *f = fopen(im->path, "rb");
	size_t cap = 1 << 16, n = 0;

	if (!f) {
		fprintf(stderr, "amplink-elfcheck: %s: %s\n", im->path, strerror(errno));
		return -1;
	}
	im->data = malloc(cap);
	while (im->data) {
		n += fread(im->data + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
		uint8_t *bigger = realloc(im->data, cap);

		if (!bigger) {
			free(im->data);
			im->data = NULL;
		} else {
			im->data = bigger;
		}
	}
	if (!im->data || ferror(f)) {
		fprintf(stderr, "amplink-elfcheck: %s: cannot read it\n", im->path);
		fclose(f);
		return -1;
	}
	fclose(f);
	im->size = n;
	return 0;
}

/* rproc_elf_sanity_check(), for the one class and machine the M4 runs. */
static bool check_header(struct image *im)
{
	if (im->size < sizeof(Elf32_Ehdr)) {
		problem(im, "image is too small for an ELF header (%zu bytes)", im->size);
		return false;
	}
	if (memcmp(im->data, ELFMAG, SELFMAG) != 0) {
		problem(im, "not an ELF file (bad magic)");
		return false;
	}
	if (im->data[EI_CLASS] != ELFCLASS32 || im->data[EI_DATA] != ELFDATA2LSB) {
		problem(im, "not a 32-bit little-endian ELF (class %u, data %u)",
			im->data[EI_CLASS], im->data[EI_DATA]);
		return false;
	}

	uint32_t type = get16(im, offsetof(Elf32_Ehdr, e_type));
	uint32_t machine = get16(im, offsetof(Elf32_Ehdr, e_machine));
	uint32_t phoff = get32(im, offsetof(Elf32_Ehdr, e_phoff));
	uint32_t shoff = get32(im, offsetof(Elf32_Ehdr, e_shoff));
	uint32_t phentsize = get16(im, offsetof(Elf32_Ehdr, e_phentsize));
	uint32_t phnum = get16(im, offsetof(Elf32_Ehdr, e_phnum));
	uint32_t shentsize = get16(im, offsetof(Elf32_Ehdr, e_shentsize));
	uint32_t shnum = get16(im, offsetof(Elf32_Ehdr, e_shnum));
	uint32_t shstrndx = get16(im, offsetof(Elf32_Ehdr, e_shstrndx));

	if (type != ET_EXEC || machine != EM_ARM) {
		problem(im, "not an ARM executable (type %u, machine %u)", type, machine);
		return false;
	}
	if (phentsize != sizeof(Elf32_Phdr) || shentsize != sizeof(Elf32_Shdr)) {
		problem(im, "unexpected header entry sizes (phentsize %u, shentsize %u)", phentsize,
			shentsize);
		return false;
	}
	/* Linux: "Image is too small", "No loadable segments", "Firmware size is too small". */
	if (!in_file(im, shoff, (uint64_t)shnum * shentsize) || shnum == 0) {
		problem(im,
			"truncated: the section headers (offset %u, %u of them) are past the "
			"end of the file (%zu bytes)",
			shoff, shnum, im->size);
		return false;
	}
	if (phnum == 0) {
		problem(im, "no program headers: nothing for Linux to load");
		return false;
	}
	if (!in_file(im, phoff, (uint64_t)phnum * phentsize)) {
		problem(im, "truncated: the program headers are past the end of the file");
		return false;
	}
	if (shstrndx >= shnum) {
		problem(im, "section name table index %u out of range (%u sections)", shstrndx,
			shnum);
		return false;
	}
	im->phnum = phnum;
	im->ph = calloc(phnum, sizeof(*im->ph));
	if (!im->ph) {
		problem(im, "out of memory");
		return false;
	}
	for (unsigned int i = 0; i < phnum; i++) {
		uint64_t o = phoff + (uint64_t)i * phentsize;

		im->ph[i].p_type = get32(im, o + offsetof(Elf32_Phdr, p_type));
		im->ph[i].p_offset = get32(im, o + offsetof(Elf32_Phdr, p_offset));
		im->ph[i].p_vaddr = get32(im, o + offsetof(Elf32_Phdr, p_vaddr));
		im->ph[i].p_paddr = get32(im, o + offsetof(Elf32_Phdr, p_paddr));
		im->ph[i].p_filesz = get32(im, o + offsetof(Elf32_Phdr, p_filesz));
		im->ph[i].p_memsz = get32(im, o + offsetof(Elf32_Phdr, p_memsz));
		im->ph[i].p_flags = get32(im, o + offsetof(Elf32_Phdr, p_flags));
	}
	return true;
}

static bool is_load(const Elf32_Phdr *ph)
{
	return ph->p_type == PT_LOAD && ph->p_memsz != 0;
}

/*
 * rproc_elf_load_segments(): Linux copies each PT_LOAD segment to its
 * physical address (the M4's device address) and zero-fills the rest of
 * memsz. Beyond Linux: it must land in memory the M4 has and the device
 * tree gives the firmware, never in the rpmsg area, and no two may overlap.
 */
static void check_segments(struct image *im)
{
	unsigned int loads = 0;

	for (unsigned int i = 0; i < im->phnum; i++) {
		const Elf32_Phdr *ph = &im->ph[i];

		if (!is_load(ph))
			continue;
		loads++;
		if (ph->p_filesz > ph->p_memsz)
			problem(im, "segment %u: bad phdr: filesz 0x%x > memsz 0x%x", i,
				ph->p_filesz, ph->p_memsz);
		if (!in_file(im, ph->p_offset, ph->p_filesz))
			problem(im,
				"segment %u: truncated: needs bytes up to 0x%llx, the file has "
				"0x%zx",
				i, (unsigned long long)ph->p_offset + ph->p_filesz, im->size);
		if (overlaps(ph->p_paddr, ph->p_memsz, IPC_BASE, IPC_END))
			problem(im,
				"segment %u: [0x%08x, 0x%08llx) overlaps the rpmsg area Linux "
				"reserves (vrings and buffers, [0x%08x, 0x%08x))",
				i, ph->p_paddr, (unsigned long long)ph->p_paddr + ph->p_memsz,
				IPC_BASE, IPC_END);
		else if (!in_m4_memory(ph->p_paddr, ph->p_memsz))
			problem(im,
				"segment %u: [0x%08x, 0x%08llx) is outside the M4's memory for "
				"firmware (RETRAM 0x%08x-0x%08x, MCUSRAM 0x%08x-0x%08x)",
				i, ph->p_paddr, (unsigned long long)ph->p_paddr + ph->p_memsz,
				RETRAM_BASE, RETRAM_BASE + RETRAM_SIZE - 1, MCUSRAM_BASE,
				MCUSRAM_BASE + MCUSRAM_SIZE - 1);
		/* Where it runs must be real memory too (.data runs elsewhere than it loads). */
		if (ph->p_vaddr != ph->p_paddr && !in_m4_memory(ph->p_vaddr, ph->p_memsz))
			problem(im,
				"segment %u: runs at [0x%08x, 0x%08llx), outside the M4's memory",
				i, ph->p_vaddr, (unsigned long long)ph->p_vaddr + ph->p_memsz);
		for (unsigned int j = 0; j < i; j++)
			if (is_load(&im->ph[j]) &&
			    overlaps(ph->p_paddr, ph->p_memsz, im->ph[j].p_paddr,
				     (uint64_t)im->ph[j].p_paddr + im->ph[j].p_memsz))
				problem(im, "segments %u and %u overlap", j, i);
	}
	if (loads == 0)
		problem(im, "no loadable segments");
}

/* The loaded segment (vaddr = paddr) whose memory holds [a, a + len), or NULL. */
static const Elf32_Phdr *segment_holding(const struct image *im, uint32_t a, uint32_t len,
					 uint32_t need_flag)
{
	for (unsigned int i = 0; i < im->phnum; i++) {
		const Elf32_Phdr *ph = &im->ph[i];

		if (is_load(ph) && ph->p_vaddr == ph->p_paddr && (ph->p_flags & need_flag) &&
		    inside(a, len, ph->p_paddr, ph->p_memsz))
			return ph;
	}
	return NULL;
}

struct section {
	uint32_t name, type, flags, addr, offset, size;
};

static struct section section_at(const struct image *im, unsigned int i)
{
	uint64_t o = get32(im, offsetof(Elf32_Ehdr, e_shoff)) + (uint64_t)i * sizeof(Elf32_Shdr);

	return (struct section){
		.name = get32(im, o + offsetof(Elf32_Shdr, sh_name)),
		.type = get32(im, o + offsetof(Elf32_Shdr, sh_type)),
		.flags = get32(im, o + offsetof(Elf32_Shdr, sh_flags)),
		.addr = get32(im, o + offsetof(Elf32_Shdr, sh_addr)),
		.offset = get32(im, o + offsetof(Elf32_Shdr, sh_offset)),
		.size = get32(im, o + offsetof(Elf32_Shdr, sh_size)),
	};
}

/* find_table(): the section named ".resource_table", by the name table. */
static bool find_rsc_section(struct image *im, struct section *out)
{
	unsigned int shnum = get16(im, offsetof(Elf32_Ehdr, e_shnum));
	struct section names = section_at(im, get16(im, offsetof(Elf32_Ehdr, e_shstrndx)));

	if (!in_file(im, names.offset, names.size)) {
		problem(im, "truncated: the section name table is past the end of the file");
		return false;
	}
	for (unsigned int i = 0; i < shnum; i++) {
		struct section s = section_at(im, i);
		static const char want[] = ".resource_table";

		/* Linux trusts the name offset; we do not. */
		if (s.name >= names.size || names.size - s.name < sizeof(want))
			continue;
		if (memcmp(im->data + names.offset + s.name, want, sizeof(want)) == 0) {
			*out = s;
			return true;
		}
	}
	problem(im, "no .resource_table section: Linux would start the M4 without rpmsg "
		    "(stm32_rproc only warns) and without a trace buffer");
	return false;
}

static void check_vring(struct image *im, uint32_t at, unsigned int q, uint32_t *num_out)
{
	uint32_t da = get32(im, at);
	uint32_t align = get32(im, at + 4);
	uint32_t num = get32(im, at + 8);

	*num_out = num;
	/* rproc_parse_vring() */
	if (!num || !align) {
		problem(im, "vring %u: invalid qsz (%u) or alignment (%u)", q, num, align);
		return;
	}
	/* vring_new_virtqueue(): split rings need a power-of-two size. */
	if (!is_pow2(num))
		problem(im, "vring %u: num %u is not a power of two (Linux: Bad virtqueue length)",
			q, num);
	if (num > 256)
		problem(im, "vring %u: num %u is more than rpmsg uses (256 buffers per ring)", q,
			num);
	if (!is_pow2(align) || align != EXPECT_ALIGN)
		problem(im,
			"vring %u: align %u, expected %u (ST's firmware; the vring must fit its "
			"4 KiB carveout)",
			q, align, EXPECT_ALIGN);
	else if (is_pow2(num)) {
		/* rproc_alloc_vring(): PAGE_ALIGN(vring_size()) must fit vdev0vringN. */
		uint64_t desc_avail = 16ull * num + 2ull * (3u + num);
		uint64_t size =
			((desc_avail + align - 1u) & ~(uint64_t)(align - 1u)) + 6ull + 8ull * num;
		uint64_t paged = (size + PAGE - 1u) & ~(uint64_t)(PAGE - 1u);

		if (paged > VRING_CARVEOUT)
			problem(im,
				"vring %u: %llu bytes (%llu page-aligned) do not fit the %u-byte "
				"vdev0vring%u region",
				q, (unsigned long long)size, (unsigned long long)paged,
				VRING_CARVEOUT, q);
	}
	/* rproc_check_carveout_da(): Linux places the vring and writes da back. */
	if (da != RSC_ANY)
		problem(im,
			"vring %u: da 0x%08x, expected FW_RSC_ADDR_ANY (0xffffffff): Linux "
			"fills it in",
			q, da);
}

/* rproc_handle_vdev() and what virtio_rpmsg_bus needs of it. */
static void check_vdev(struct image *im, uint32_t at, uint32_t avail, unsigned int idx)
{
	if (avail < VDEV_SIZE) {
		problem(im, "entry %u: vdev rsc is truncated", idx);
		return;
	}

	uint32_t id = get32(im, at);
	uint32_t dfeatures = get32(im, at + 8);
	uint32_t gfeatures = get32(im, at + 12);
	uint32_t config_len = get32(im, at + 16);
	uint32_t status = im->data[at + 20];
	uint32_t nvrings = im->data[at + 21];
	uint64_t need = VDEV_SIZE + (uint64_t)nvrings * VRING_SIZE + config_len;

	if (need > avail) {
		problem(im,
			"entry %u: vdev rsc is truncated: %u vrings and %u config bytes need "
			"%llu bytes, the section has %u after the entry header",
			idx, nvrings, config_len, (unsigned long long)need, avail);
		return;
	}
	if (im->data[at + 22] || im->data[at + 23])
		problem(im, "entry %u: vdev rsc has non zero reserved bytes", idx);
	if (id != VIRTIO_ID_RPMSG)
		problem(im, "entry %u: vdev id %u, expected %u (virtio rpmsg)", idx, id,
			VIRTIO_ID_RPMSG);
	if (!(dfeatures & (1u << VIRTIO_RPMSG_F_NS)))
		problem(im,
			"entry %u: vdev features 0x%x lack VIRTIO_RPMSG_F_NS: Linux would not "
			"create channels from the firmware's announcements",
			idx, dfeatures);
	if (gfeatures || status)
		problem(im,
			"entry %u: vdev gfeatures 0x%x / status 0x%x not zero: those are "
			"Linux's to write",
			idx, gfeatures, status);
	if (nvrings != 2) {
		problem(im, "entry %u: %u vrings; rpmsg needs exactly 2", idx, nvrings);
		return;
	}

	uint32_t num[2];

	for (unsigned int q = 0; q < 2; q++)
		check_vring(im, at + VDEV_SIZE + q * VRING_SIZE, q, &num[q]);
	im->vring_num = num[0];
	if (num[0] != num[1])
		problem(im, "vrings of %u and %u entries: rpmsg needs them equal", num[0], num[1]);
	else if ((uint64_t)2 * num[0] * RPMSG_BUF_SIZE > VDEV_BUFFER)
		problem(im, "2 x %u buffers of %u bytes do not fit the %u-byte vdev0buffer region",
			num[0], RPMSG_BUF_SIZE, VDEV_BUFFER);
}

/* rproc_handle_trace(); and Linux reads it through rproc_da_to_va(). */
static void check_trace(struct image *im, uint32_t at, uint32_t avail, unsigned int idx)
{
	if (avail < TRACE_SIZE) {
		problem(im, "entry %u: trace rsc is truncated", idx);
		return;
	}

	uint32_t da = get32(im, at);
	uint32_t len = get32(im, at + 4);

	im->trace_da = da;
	im->trace_len = len;
	if (get32(im, at + 8))
		problem(im, "entry %u: trace rsc has non zero reserved bytes", idx);
	if (!memchr(im->data + at + 12, '\0', 32))
		problem(im, "entry %u: trace name is not NUL-terminated", idx);
	if (len == 0)
		problem(im, "entry %u: trace buffer of length 0", idx);
	else if (!in_m4_memory(da, len) || overlaps(da, len, IPC_BASE, IPC_END) ||
		 !segment_holding(im, da, len, PF_W))
		problem(im,
			"entry %u: trace buffer [0x%08x, 0x%08llx) is not in writable memory "
			"the image loads",
			idx, da, (unsigned long long)da + len);
}

static void check_resource_table(struct image *im)
{
	struct section s;

	if (!find_rsc_section(im, &s))
		return;
	/* find_table() */
	if (!in_file(im, s.offset, s.size)) {
		problem(im, "resource table truncated (section past the end of the file)");
		return;
	}
	if (s.size < RSC_HDR_SIZE) {
		problem(im, "header-less resource table (%u bytes)", s.size);
		return;
	}

	uint32_t ver = get32(im, s.offset);
	uint32_t num = get32(im, s.offset + 4);

	im->rsc_addr = s.addr;
	im->rsc_size = s.size;

	if (ver != 1)
		problem(im, "unsupported resource table version %u (Linux knows version 1)", ver);
	if (get32(im, s.offset + 8) || get32(im, s.offset + 12))
		problem(im, "resource table has non zero reserved bytes");
	if ((uint64_t)RSC_HDR_SIZE + 4ull * num > s.size) {
		problem(im,
			"resource table incomplete: %u entries need %llu bytes of offsets, the "
			"section has %u",
			num, (unsigned long long)RSC_HDR_SIZE + 4ull * num, s.size);
		return;
	}
	/* rproc_elf_find_loaded_rsc_table(): Linux writes the table at sh_addr. */
	if (!(s.flags & SHF_ALLOC) || s.type != SHT_PROGBITS)
		problem(im, ".resource_table is not loaded (type %u, flags 0x%x)", s.type, s.flags);
	if (!(s.flags & SHF_WRITE))
		problem(im, ".resource_table is read-only (const?): Linux writes the vring "
			    "addresses and the device status into it, which the firmware must read "
			    "back");

	const Elf32_Phdr *seg = NULL;

	for (unsigned int i = 0; i < im->phnum && !seg; i++)
		if (is_load(&im->ph[i]) &&
		    inside(s.offset, s.size, im->ph[i].p_offset, im->ph[i].p_filesz))
			seg = &im->ph[i];
	if (!seg)
		problem(im, ".resource_table is in no loadable segment");
	else if (seg->p_paddr + (s.offset - seg->p_offset) != s.addr)
		problem(im,
			".resource_table is loaded at 0x%08x but Linux looks for it at its "
			"address 0x%08x",
			seg->p_paddr + (s.offset - seg->p_offset), s.addr);
	else if (!in_m4_memory(s.addr, s.size))
		problem(im, ".resource_table at 0x%08x is outside the M4's memory", s.addr);

	/* rsc_table_for_each_entry() and the handlers */
	unsigned int vdevs = 0, traces = 0;

	for (unsigned int i = 0; i < num; i++) {
		uint32_t off = get32(im, s.offset + RSC_HDR_SIZE + 4u * i);

		if (off < RSC_HDR_SIZE + 4u * num || off >= s.size || s.size - off < ENTRY_HDR) {
			problem(im, "entry %u: offset %u is outside the section's entries (%u..%u)",
				i, off, RSC_HDR_SIZE + 4u * num, s.size);
			continue;
		}
		if (off % 4u) {
			problem(im, "entry %u: offset %u is not 4-byte aligned", i, off);
			continue;
		}

		uint32_t type = get32(im, s.offset + off);
		uint32_t avail = s.size - off - ENTRY_HDR;
		uint32_t at = s.offset + off + ENTRY_HDR;

		if (type == RSC_VDEV) {
			vdevs++;
			check_vdev(im, at, avail, i);
		} else if (type == RSC_TRACE) {
			traces++;
			check_trace(im, at, avail, i);
		} else {
			problem(im,
				"entry %u: resource type %u is not one this firmware uses (vdev "
				"%u, trace %u)",
				i, type, RSC_VDEV, RSC_TRACE);
		}
	}
	if (vdevs != 1)
		problem(im, "%u vdev entries; the firmware serves exactly one rpmsg device", vdevs);
	if (traces == 0)
		problem(im, "no trace entry: the firmware's log would be unreadable");
}

/* The M4 boots from its vector table at address 0: stack pointer, reset. */
static void check_vectors(struct image *im)
{
	const Elf32_Phdr *vt = NULL;

	for (unsigned int i = 0; i < im->phnum; i++)
		if (is_load(&im->ph[i]) && im->ph[i].p_paddr == RETRAM_BASE)
			vt = &im->ph[i];
	if (!vt || vt->p_filesz < 8 || !in_file(im, vt->p_offset, 8)) {
		problem(im,
			"no vector table loaded at 0x%08x: the M4 boots from the start of "
			"RETRAM",
			RETRAM_BASE);
		return;
	}

	uint32_t sp = get32(im, vt->p_offset);
	uint32_t reset = get32(im, vt->p_offset + 4);
	uint32_t entry = get32(im, offsetof(Elf32_Ehdr, e_entry));

	im->sp = sp;
	im->reset = reset;

	if (sp % 8u || !in_m4_memory(sp - 1u, 1) || overlaps(sp - 1u, 1, IPC_BASE, IPC_END) ||
	    !segment_holding(im, sp - 1u, 1, PF_W))
		problem(im,
			"initial stack pointer 0x%08x is not the 8-byte aligned top of writable "
			"memory the image reserves",
			sp);
	if (!(reset & 1u))
		problem(im, "reset vector 0x%08x has bit 0 clear: the M4 runs Thumb code only",
			reset);
	else if (!segment_holding(im, reset & ~1u, 2, PF_X))
		problem(im, "reset vector 0x%08x is not in executable code the image loads", reset);
	if (entry != reset)
		problem(im, "entry point 0x%08x differs from the reset vector 0x%08x", entry,
			reset);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: amplink-elfcheck [--quiet] FIRMWARE.elf\n"
		"\n"
		"Checks a Cortex-M4 firmware image for the STM32MP157 the way Linux's\n"
		"remoteproc loads it (ELF header, loadable segments, .resource_table with\n"
		"its vdev and trace entries), and that it fits the M4's memory outside the\n"
		"rpmsg area, with a valid stack pointer and reset vector.\n"
		"Exit status: 0 accepted, 1 rejected (each problem is printed), 2 unreadable.\n");
}

int main(int argc, char **argv)
{
	struct image im = {0};
	int argi = 1;

	if (argc > 1 && strcmp(argv[1], "--quiet") == 0) {
		im.quiet = true;
		argi++;
	}
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argi != argc - 1) {
		usage(stderr);
		return 2;
	}
	im.path = argv[argi];
	if (read_file(&im) != 0)
		return 2;
	if (check_header(&im)) {
		check_segments(&im);
		check_resource_table(&im);
		check_vectors(&im);
	}
	if (im.problems) {
		fprintf(stderr, "amplink-elfcheck: %s: rejected (%u problem%s)\n", im.path,
			im.problems, im.problems == 1 ? "" : "s");
	} else if (!im.quiet) {
		printf("amplink-elfcheck: %s: accepted: resource table at 0x%08x (%u bytes), "
		       "rpmsg vdev with 2 x %u-entry vrings, trace buffer of %u bytes at 0x%08x; "
		       "reset 0x%08x, stack top 0x%08x\n",
		       im.path, im.rsc_addr, im.rsc_size, im.vring_num, im.trace_len, im.trace_da,
		       im.reset, im.sp);
	}
	free(im.ph);
	free(im.data);
	return im.problems ? 1 : 0;
}
