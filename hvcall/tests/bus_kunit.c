// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The pvio bus and liveness: drivers bind by type and role, devices go
 * with their link, both ends of a link beat, and a restarted end is
 * reported to the other end's drivers as peer gone, then peer back.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/delay.h>

#include "../pvio_hv.h"
#include "pvio_kunit.h"

/* Heartbeat is 100 ms and a peer is gone after 3 s by default. */
#define BEAT_WAIT_MS	2000
#define RESTART_WAIT_MS	5000

/**
 * struct fake_driver - a driver that counts what the bus asks of it
 * @drv: registered on the pvio bus
 * @probes: probe calls
 * @removes: remove calls
 * @gone: peer_gone calls
 * @back: peer_back calls
 * @fail_index: probe fails (-EIO) for the device with this index
 */
struct fake_driver {
	struct pvio_driver drv;
	atomic_t probes;
	atomic_t removes;
	atomic_t gone;
	atomic_t back;
	u32 fail_index;
};

static struct fake_driver *fake_of(struct pvio_device *pdev)
{
	return container_of(to_pvio_driver(pdev->dev.driver),
			    struct fake_driver, drv);
}

static int fake_probe(struct pvio_device *pdev)
{
	struct fake_driver *f = fake_of(pdev);

	atomic_inc(&f->probes);
	return pdev->index == READ_ONCE(f->fail_index) ? -EIO : 0;
}

static void fake_remove(struct pvio_device *pdev)
{
	atomic_inc(&fake_of(pdev)->removes);
}

static void fake_peer_gone(struct pvio_device *pdev)
{
	atomic_inc(&fake_of(pdev)->gone);
}

static void fake_peer_back(struct pvio_device *pdev)
{
	atomic_inc(&fake_of(pdev)->back);
}

#define FAKE_DRIVER(_name, _type, _role) {			\
	.drv = {						\
		.driver = { .name = _name },			\
		.type = _type,					\
		.role = _role,					\
		.probe = fake_probe,				\
		.remove = fake_remove,				\
		.peer_gone = fake_peer_gone,			\
		.peer_back = fake_peer_back,			\
	},							\
}

static struct fake_driver vbd_back =
	FAKE_DRIVER("pvio-kunit-vbd-back", PVIO_DEV_VBD, PVIO_BACKEND);
static struct fake_driver vbd_front =
	FAKE_DRIVER("pvio-kunit-vbd-front", PVIO_DEV_VBD, PVIO_FRONTEND);

static void fake_reset(struct fake_driver *f)
{
	atomic_set(&f->probes, 0);
	atomic_set(&f->removes, 0);
	atomic_set(&f->gone, 0);
	atomic_set(&f->back, 0);
	f->fail_index = U32_MAX;
}

static int bus_test_init(struct kunit *test)
{
	fake_reset(&vbd_back);
	fake_reset(&vbd_front);
	return 0;
}

static int bus_suite_init(struct kunit_suite *suite)
{
	int ret;

	ret = pvio_kunit_providers_register(suite);
	if (ret)
		return ret;
	ret = pvio_driver_register(&vbd_back.drv);
	if (ret)
		goto err_providers;
	ret = pvio_driver_register(&vbd_front.drv);
	if (ret)
		goto err_back;
	return 0;

err_back:
	pvio_driver_unregister(&vbd_back.drv);
err_providers:
	pvio_kunit_providers_unregister(suite);
	return ret;
}

static void bus_suite_exit(struct kunit_suite *suite)
{
	pvio_driver_unregister(&vbd_front.drv);
	pvio_driver_unregister(&vbd_back.drv);
	pvio_kunit_providers_unregister(suite);
}

static const struct pvio_kunit_link_cfg both = { .roles = PVIO_KUNIT_BOTH };

KUNIT_DEFINE_ACTION_WRAPPER(del_action, pvio_device_del,
			    struct pvio_device *);

/*
 * A new device, deleted by its creator when @test ends (the link's
 * destroy, registered before, comes after), unless del() did earlier.
 */
static struct pvio_device *add_nr(struct kunit *test, struct pvio_link *link,
				  enum pvio_dev_type type, enum pvio_role role,
				  u32 index)
{
	struct pvio_device *pdev = pvio_device_add(link, type, role, index);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pdev);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, del_action,
							pdev), 0);
	return pdev;
}

static struct pvio_device *add(struct kunit *test, struct pvio_link *link,
			       enum pvio_dev_type type, enum pvio_role role)
{
	return add_nr(test, link, type, role, 0);
}

/* The creator deletes a device from add() now. */
static void del(struct kunit *test, struct pvio_device *pdev)
{
	kunit_release_action(test, del_action, pdev);
}

static void bus_binds_by_type_and_role(struct kunit *test)
{
	struct pvio_link *link = pvio_kunit_link(test, &both);
	struct pvio_device *back, *front, *vif;
	char name[32];

	back = add(test, link, PVIO_DEV_VBD, PVIO_BACKEND);
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_back.probes), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_front.probes), 0);
	snprintf(name, sizeof(name), "link%u-vbd0-backend", link->id);
	KUNIT_EXPECT_STREQ(test, dev_name(&back->dev), name);

	vif = add(test, link, PVIO_DEV_VIF, PVIO_BACKEND);
	KUNIT_EXPECT_NULL(test, vif->dev.driver);
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_back.probes), 1);

	front = add(test, link, PVIO_DEV_VBD, PVIO_FRONTEND);
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_front.probes), 1);
	KUNIT_EXPECT_PTR_EQ(test, front->dev.driver, &vbd_front.drv.driver);

	/* The same end twice is refused. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(pvio_device_add(link, PVIO_DEV_VBD,
						      PVIO_BACKEND, 0)),
			-EEXIST);

	del(test, back);
	del(test, front);
	del(test, vif);
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_back.removes), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_front.removes), 1);
}

static void bus_refuses_remote_end(struct kunit *test)
{
	struct pvio_kunit_link_cfg cfg = { .roles = BIT(PVIO_BACKEND) };
	struct pvio_link *link = pvio_kunit_link(test, &cfg);

	KUNIT_EXPECT_EQ(test, PTR_ERR(pvio_device_add(link, PVIO_DEV_VBD,
						      PVIO_FRONTEND, 0)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pvio_device_add(link, 7, PVIO_BACKEND,
						      0)),
			-EINVAL);
}

static int on_link(struct device *dev, const void *link)
{
	return to_pvio_device(dev)->link == link;
}

static void bus_link_destroy_removes_devices(struct kunit *test)
{
	struct pvio_link *link = pvio_kunit_link(test, &both);
	struct device *dev;

	add(test, link, PVIO_DEV_VBD, PVIO_BACKEND);
	add(test, link, PVIO_DEV_VBD, PVIO_FRONTEND);
	KUNIT_ASSERT_EQ(test, pvio_link_destroy(link->id, NULL), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_back.removes), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_front.removes), 1);
	dev = bus_find_device(&pvio_bus_type, NULL, link, on_link);
	KUNIT_EXPECT_NULL(test, dev);
	put_device(dev);
}

/*
 * Link destroy removed the device; its creator's delete comes second and
 * only drops the creator's reference.
 */
static void bus_del_after_link_destroy(struct kunit *test)
{
	struct pvio_link *link = pvio_kunit_link(test, &both);
	struct pvio_device *back;

	back = add(test, link, PVIO_DEV_VBD, PVIO_BACKEND);
	KUNIT_ASSERT_EQ(test, pvio_link_destroy(link->id, NULL), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_back.removes), 1);
	KUNIT_EXPECT_TRUE(test, back->deleted);
	del(test, back);
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_back.removes), 1);
}

/* The other way round: destroy finds nothing left to remove. */
static void bus_link_destroy_after_del(struct kunit *test)
{
	struct pvio_link *link = pvio_kunit_link(test, &both);

	del(test, add(test, link, PVIO_DEV_VBD, PVIO_FRONTEND));
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_front.removes), 1);
	KUNIT_ASSERT_EQ(test, pvio_link_destroy(link->id, NULL), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_front.removes), 1);
}

/* A destroyed link, still referenced, takes no new device. */
static void bus_refuses_dead_link(struct kunit *test)
{
	struct pvio_link *link = pvio_kunit_link(test, &both);

	KUNIT_ASSERT_EQ(test, pvio_link_destroy(link->id, NULL), 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pvio_device_add(link, PVIO_DEV_VBD,
						      PVIO_BACKEND, 0)),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_back.probes), 0);
}

static u32 heartbeat(struct pvio_link *link, enum pvio_role end)
{
	return le32_to_cpu(READ_ONCE(link->hdr->ends[end].heartbeat));
}

static void liveness_both_ends_beat(struct kunit *test)
{
	struct pvio_link *link = pvio_kunit_link(test, &both);
	u32 back, front;

	KUNIT_ASSERT_TRUE(test,
			  pvio_kunit_wait(pvio_peer_alive(link, PVIO_BACKEND) &&
					  pvio_peer_alive(link, PVIO_FRONTEND),
					  BEAT_WAIT_MS));
	back = heartbeat(link, PVIO_BACKEND);
	front = heartbeat(link, PVIO_FRONTEND);
	KUNIT_EXPECT_TRUE(test,
			  pvio_kunit_wait(heartbeat(link, PVIO_BACKEND) > back &&
					  heartbeat(link, PVIO_FRONTEND) > front,
					  BEAT_WAIT_MS));
}

static void liveness_restart_is_gone_then_back(struct kunit *test)
{
	struct pvio_link *link = pvio_kunit_link(test, &both);
	u32 gen = le32_to_cpu(link->hdr->generation);

	add(test, link, PVIO_DEV_VBD, PVIO_BACKEND);
	add(test, link, PVIO_DEV_VBD, PVIO_FRONTEND);
	KUNIT_ASSERT_TRUE(test,
			  pvio_kunit_wait(pvio_peer_alive(link, PVIO_FRONTEND),
					  BEAT_WAIT_MS));

	KUNIT_ASSERT_EQ(test, pvio_link_restart_end(link, PVIO_BACKEND), 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(link->hdr->generation), gen + 1);
	/* The backend driver was unbound and bound afresh. */
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_back.removes), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_back.probes), 2);

	KUNIT_EXPECT_TRUE(test,
			  pvio_kunit_wait(atomic_read(&vbd_front.back) == 1,
					  RESTART_WAIT_MS));
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_front.gone), 1);
	KUNIT_EXPECT_TRUE(test, pvio_peer_alive(link, PVIO_FRONTEND));
	/* The fresh backend never knew the frontend before: no news to it. */
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_back.gone), 0);
	/* The frontend was never unbound. */
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_front.removes), 0);
}

/* A restarted end starts from Unknown, as a fresh one would. */
static void liveness_restart_forgets_state(struct kunit *test)
{
	struct pvio_link *link = pvio_kunit_link(test, &both);

	KUNIT_ASSERT_EQ(test, pvio_state_set(link, PVIO_BACKEND,
					     PVIO_STATE_INITIALISING), 0);
	KUNIT_ASSERT_EQ(test, pvio_state_set(link, PVIO_BACKEND,
					     PVIO_STATE_CONNECTED), 0);
	KUNIT_ASSERT_EQ(test, pvio_state_set(link, PVIO_FRONTEND,
					     PVIO_STATE_INITIALISING), 0);

	KUNIT_ASSERT_EQ(test, pvio_link_restart_end(link, PVIO_BACKEND), 0);
	KUNIT_EXPECT_EQ(test, pvio_state_get(link, PVIO_BACKEND),
			PVIO_STATE_UNKNOWN);
	KUNIT_EXPECT_EQ(test, pvio_state_set(link, PVIO_BACKEND,
					     PVIO_STATE_INITIALISING), 0);
	KUNIT_EXPECT_EQ(test, pvio_state_get(link, PVIO_BACKEND),
			PVIO_STATE_INITIALISING);
	/* The other end keeps its state. */
	KUNIT_EXPECT_EQ(test, pvio_state_get(link, PVIO_FRONTEND),
			PVIO_STATE_INITIALISING);
}

/* A device its driver refuses after the restart holds up no other. */
static void liveness_restart_binds_every_device(struct kunit *test)
{
	struct pvio_link *link = pvio_kunit_link(test, &both);
	struct pvio_device *first, *second;

	first = add_nr(test, link, PVIO_DEV_VBD, PVIO_BACKEND, 0);
	second = add_nr(test, link, PVIO_DEV_VBD, PVIO_BACKEND, 1);
	KUNIT_ASSERT_EQ(test, atomic_read(&vbd_back.probes), 2);

	WRITE_ONCE(vbd_back.fail_index, 0);
	KUNIT_EXPECT_EQ(test, pvio_link_restart_end(link, PVIO_BACKEND), -EIO);
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_back.removes), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&vbd_back.probes), 4);
	KUNIT_EXPECT_NULL(test, first->dev.driver);
	KUNIT_EXPECT_PTR_EQ(test, second->dev.driver, &vbd_back.drv.driver);
}

/* A destroyed link, still referenced, has no end to restart. */
static void liveness_restart_dead_link(struct kunit *test)
{
	struct pvio_link *link = pvio_kunit_link(test, &both);
	u32 gen = le32_to_cpu(link->hdr->generation);

	KUNIT_ASSERT_EQ(test, pvio_link_destroy(link->id, NULL), 0);
	KUNIT_EXPECT_EQ(test, pvio_link_restart_end(link, PVIO_BACKEND),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(link->hdr->generation), gen);
}

/* Nor has an end whose heartbeat is missing. */
static void liveness_restart_needs_heartbeat(struct kunit *test)
{
	struct pvio_link *link = pvio_kunit_link(test, &both);
	struct pvio_liveness *lv = link->liveness[PVIO_FRONTEND];
	int ret;

	link->liveness[PVIO_FRONTEND] = NULL;
	ret = pvio_link_restart_end(link, PVIO_FRONTEND);
	link->liveness[PVIO_FRONTEND] = lv;
	KUNIT_EXPECT_EQ(test, ret, -ENODEV);
	KUNIT_EXPECT_EQ(test, pvio_link_restart_end(link, (enum pvio_role)2),
			-EINVAL);
}

static void liveness_restart_needs_own_header(struct kunit *test)
{
	struct pvio_kunit_link_cfg cfg = { .roles = PVIO_KUNIT_BOTH,
					   .foreign = true };
	struct pvio_link *link = pvio_kunit_link(test, &cfg);

	KUNIT_EXPECT_EQ(test, pvio_link_restart_end(link, PVIO_BACKEND),
			-EOPNOTSUPP);
}

static struct kunit_case pvio_bus_cases[] = {
	KUNIT_CASE(bus_binds_by_type_and_role),
	KUNIT_CASE(bus_refuses_remote_end),
	KUNIT_CASE(bus_link_destroy_removes_devices),
	KUNIT_CASE(bus_del_after_link_destroy),
	KUNIT_CASE(bus_link_destroy_after_del),
	KUNIT_CASE(bus_refuses_dead_link),
	KUNIT_CASE_SLOW(liveness_both_ends_beat),
	KUNIT_CASE_SLOW(liveness_restart_is_gone_then_back),
	KUNIT_CASE(liveness_restart_forgets_state),
	KUNIT_CASE(liveness_restart_binds_every_device),
	KUNIT_CASE(liveness_restart_dead_link),
	KUNIT_CASE(liveness_restart_needs_heartbeat),
	KUNIT_CASE(liveness_restart_needs_own_header),
	{}
};

static struct kunit_suite pvio_bus_suite = {
	.name = "pvio_bus",
	.init = bus_test_init,
	.suite_init = bus_suite_init,
	.suite_exit = bus_suite_exit,
	.test_cases = pvio_bus_cases,
};

kunit_test_suite(pvio_bus_suite);
