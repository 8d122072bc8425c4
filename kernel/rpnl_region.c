// SPDX-License-Identifier: GPL-2.0
/*
 * rpmsg_netlink: the board's provider of the pool of bulk transfers.
 *
 * On a board the pool must lie where the remote can reach it: the M4 of an
 * STM32MP157 sees DDR at the A7's physical addresses, but only through the
 * window its MPU makes Normal memory (docs/board.md). The module's own
 * device-tree node names that window as a reserved region:
 *
 *	reserved-memory {
 *		amplink_pool: amplink-pool@dd000000 {
 *			compatible = "shared-dma-pool";
 *			reg = <0xdd000000 0x1000000>;
 *			no-map;
 *		};
 *	};
 *	amplink-bulk-pool {
 *		compatible = "amplink,bulk-pool";
 *		memory-region = <&amplink_pool>;
 *	};
 *
 * This platform driver binds that node, makes the region its device's
 * coherent pool (of_reserved_mem_device_init()) and allocates all of it
 * write-combined (dma_alloc_wc(): the A7 never caches it, so no cache
 * maintenance is needed; the M4 has no data cache). The first remote whose
 * bulk channel probes takes it (an STM32MP157 has one M4); others get the
 * pages provider. The DMA address is what the remote uses; userspace maps
 * it with dma_mmap_wc(), the kernel mapping's attributes. Nothing frees it
 * while slots are lent to a remote that may still run: the pool says so
 * before the driver goes (rpnl_region_keep()), and the pages stay.
 *
 * Without CONFIG_OF_RESERVED_MEM (the vboard's UML) there is no region and
 * every pool comes from pages.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/of_reserved_mem.h>
#include <linux/platform_device.h>

#include "rpnl.h"

#if IS_ENABLED(CONFIG_OF_RESERVED_MEM)

/* protects region, taken and keep */
static DEFINE_MUTEX(rpnl_region_lock);
static struct rpnl_region rpnl_region;
static bool rpnl_region_taken;
static bool rpnl_region_keep_pages;

int rpnl_region_take(struct rpnl_region *out)
{
	int err = -ENODEV;

	mutex_lock(&rpnl_region_lock);
	if (rpnl_region.cpu && !rpnl_region_taken) {
		rpnl_region_taken = true;
		*out = rpnl_region;
		err = 0;
	}
	mutex_unlock(&rpnl_region_lock);
	return err;
}

void rpnl_region_keep(void)
{
	mutex_lock(&rpnl_region_lock);
	rpnl_region_keep_pages = true;
	mutex_unlock(&rpnl_region_lock);
}

int rpnl_region_mmap(const struct rpnl_region *r, struct vm_area_struct *vma)
{
	return dma_mmap_wc(r->dev, vma, r->cpu, r->dma, r->size);
}

static int rpnl_region_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct reserved_mem *rmem;
	struct device_node *np;
	dma_addr_t dma;
	void *cpu;
	int err;

	np = of_parse_phandle(dev->of_node, "memory-region", 0);
	rmem = np ? of_reserved_mem_lookup(np) : NULL;
	of_node_put(np);
	if (!rmem || !rmem->size) {
		dev_err(dev, "no memory-region to hold the pool\n");
		return -EINVAL;
	}
	err = of_reserved_mem_device_init(dev);
	if (err) {
		dev_err(dev, "cannot take the memory-region: %d\n", err);
		return err;
	}
	err = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	if (err)
		goto release;
	cpu = dma_alloc_wc(dev, rmem->size, &dma, GFP_KERNEL);
	if (!cpu) {
		dev_err(dev, "cannot allocate the %pa bytes of the memory-region\n",
			&rmem->size);
		err = -ENOMEM;
		goto release;
	}

	mutex_lock(&rpnl_region_lock);
	rpnl_region = (struct rpnl_region){ dev, cpu, dma, rmem->size };
	mutex_unlock(&rpnl_region_lock);
	dev_info(dev, "pool region: %pa bytes at %pad\n", &rmem->size, &dma);
	return 0;

release:
	of_reserved_mem_device_release(dev);
	return err;
}

static void rpnl_region_release(struct platform_device *pdev)
{
	mutex_lock(&rpnl_region_lock);
	if (rpnl_region.cpu && rpnl_region_keep_pages)
		dev_warn(&pdev->dev,
			 "pool region kept: slots are lent to a remote that may still run\n");
	else if (rpnl_region.cpu)
		dma_free_wc(rpnl_region.dev, rpnl_region.size, rpnl_region.cpu,
			    rpnl_region.dma);
	if (!rpnl_region_keep_pages)
		of_reserved_mem_device_release(&pdev->dev);
	rpnl_region = (struct rpnl_region){};
	mutex_unlock(&rpnl_region_lock);
}

#ifdef RPNL_HAVE_PLATFORM_REMOVE_NEW
static void rpnl_region_remove(struct platform_device *pdev)
{
	rpnl_region_release(pdev);
}
#else
static int rpnl_region_remove(struct platform_device *pdev)
{
	rpnl_region_release(pdev);
	return 0;
}
#endif

static const struct of_device_id rpnl_region_of_match[] = {
	{ .compatible = "amplink,bulk-pool" },
	{ },
};
MODULE_DEVICE_TABLE(of, rpnl_region_of_match);

static struct platform_driver rpnl_region_driver = {
	.probe = rpnl_region_probe,
#ifdef RPNL_HAVE_PLATFORM_REMOVE_NEW
	.remove_new = rpnl_region_remove,
#else
	.remove = rpnl_region_remove,
#endif
	.driver = {
		.name = KBUILD_MODNAME "_pool",
		.of_match_table = rpnl_region_of_match,
		/* the pool may be lent to a remote: never unbound by hand */
		.suppress_bind_attrs = true,
	},
};

int rpnl_region_init(void)
{
	return platform_driver_register(&rpnl_region_driver);
}

void rpnl_region_exit(void)
{
	platform_driver_unregister(&rpnl_region_driver);
}

#else /* !CONFIG_OF_RESERVED_MEM */

int rpnl_region_take(struct rpnl_region *out)
{
	return -ENODEV;
}

void rpnl_region_keep(void)
{
}

int rpnl_region_mmap(const struct rpnl_region *r, struct vm_area_struct *vma)
{
	return -ENODEV;
}

int rpnl_region_init(void)
{
	return 0;
}

void rpnl_region_exit(void)
{
}

#endif
