/*
 * Debian's libcapi20 against the ums remote-CAPI simulator, through its
 * rcapi module ($HOME/.capi20rc: REMOTE rcapi 127.0.0.1 <port>, written
 * by line-drivers/tests/capi_rcapi.rs). Prints one key=value line per
 * step and exits 1 at the first message that is not the one expected:
 * install check, two applications registered, the profile, LISTEN, then a
 * call from application B to application A over two of the simulator's
 * B-channels (alert, answer, B3, 160 octets of data, DTMF, B's hang-up),
 * then a call to a refused number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <capi20.h>
#include <capiutils.h>

static _cmsg in;

static void fail(const char *what)
{
	printf("failed=%s\n", what);
	exit(1);
}

/* The next message for appl, which must be cmd/sub. */
static _cmsg *expect(unsigned appl, int cmd, int sub, const char *what)
{
	struct timeval tv = { 5, 0 };
	if (capi20_waitformessage(appl, &tv) != 0)
		fail(what);
	unsigned e = capi_get_cmsg(&in, appl);
	if (e != 0) {
		printf("get_error=%#x\n", e);
		fail(what);
	}
	if (in.Command != cmd || in.Subcommand != sub) {
		printf("got=%02x/%02x\n", in.Command, in.Subcommand);
		fail(what);
	}
	return &in;
}

static void put(_cmsg *c, const char *what)
{
	unsigned e = capi_put_cmsg(c);
	if (e != 0) {
		printf("put_error=%#x\n", e);
		fail(what);
	}
}

static void respond(unsigned appl, _cmsg *ind)
{
	_cmsg r;
	capi_cmsg_header(&r, appl, ind->Command, CAPI_RESP, ind->Messagenumber, ind->adr.adrController);
	put(&r, "response");
}

static void hex(const char *key, _cstruct s)
{
	printf("%s=", key);
	if (s)
		for (int i = 1; i <= s[0]; i++)
			printf("%02x", s[i]);
	printf("\n");
}

int main(void)
{
	unsigned a = 0, b = 0, num = 1;
	unsigned char buf[64];
	_cmsg c;

	printf("isinstalled=%#x\n", capi20_isinstalled());
	printf("register_a=%#x\n", capi20_register(2, 7, 2048, &a));
	printf("register_b=%#x\n", capi20_register(2, 7, 2048, &b));
	printf("distinct_apps=%d\n", a != 0 && b != 0 && a != b);
	memset(buf, 0, sizeof buf);
	printf("profile=%#x\n", capi20_get_profile(1, buf));
	printf("controllers=%u\n", buf[0] | (buf[1] << 8));
	printf("b_channels=%u\n", buf[2] | (buf[3] << 8));
	memset(buf, 0, sizeof buf);
	if (capi20_get_manufacturer(1, buf))
		printf("manufacturer=%s\n", buf);
	fflush(stdout);

	/* A listens for every CIP value. */
	capi_cmsg_header(&c, a, CAPI_LISTEN, CAPI_REQ, num++, 1);
	c.InfoMask = 0x1ff;
	c.CIPmask = 0x1fff03ff;
	put(&c, "listen");
	printf("listen_conf=%#x\n", expect(a, CAPI_LISTEN, CAPI_CONF, "listen_conf")->Info);
	fflush(stdout);

	/* B calls 100 with its MSN 200, transparent B protocol. */
	unsigned char called[] = { 4, 0x80, '1', '0', '0' };
	unsigned char calling[] = { 5, 0x01, 0x80, '2', '0', '0' };
	capi_cmsg_header(&c, b, CAPI_CONNECT, CAPI_REQ, num++, 1);
	c.CIPValue = 4;
	c.CalledPartyNumber = called;
	c.CallingPartyNumber = calling;
	c.BProtocol = CAPI_COMPOSE;
	c.B1protocol = 1;
	c.B2protocol = 1;
	c.B3protocol = 0;
	put(&c, "connect_req");
	_cmsg *m = expect(b, CAPI_CONNECT, CAPI_CONF, "connect_conf");
	unsigned plci_b = m->adr.adrPLCI;
	printf("connect_conf=%#x\n", m->Info);

	m = expect(a, CAPI_CONNECT, CAPI_IND, "connect_ind");
	unsigned plci_a = m->adr.adrPLCI;
	printf("ind_cip=%u\n", m->CIPValue);
	hex("ind_called", m->CalledPartyNumber);
	hex("ind_calling", m->CallingPartyNumber);
	capi_cmsg_header(&c, a, CAPI_ALERT, CAPI_REQ, num++, plci_a);
	put(&c, "alert");
	printf("alert_conf=%#x\n", expect(a, CAPI_ALERT, CAPI_CONF, "alert_conf")->Info);
	m = expect(b, CAPI_INFO, CAPI_IND, "alerting");
	printf("alerting=%#x\n", m->InfoNumber);
	respond(b, m);

	capi_cmsg_header(&c, a, CAPI_CONNECT, CAPI_RESP, 1, plci_a);
	c.Reject = 0;
	c.BProtocol = CAPI_COMPOSE;
	c.B1protocol = 1;
	c.B2protocol = 1;
	c.B3protocol = 0;
	put(&c, "connect_resp");
	respond(a, expect(a, CAPI_CONNECT_ACTIVE, CAPI_IND, "active_a"));
	respond(b, expect(b, CAPI_CONNECT_ACTIVE, CAPI_IND, "active_b"));
	printf("active=1\n");

	capi_cmsg_header(&c, b, CAPI_CONNECT_B3, CAPI_REQ, num++, plci_b);
	put(&c, "connect_b3_req");
	m = expect(b, CAPI_CONNECT_B3, CAPI_CONF, "connect_b3_conf");
	unsigned ncci_b = m->adr.adrNCCI;
	printf("b3_conf=%#x\n", m->Info);
	m = expect(a, CAPI_CONNECT_B3, CAPI_IND, "connect_b3_ind");
	unsigned ncci_a = m->adr.adrNCCI;
	capi_cmsg_header(&c, a, CAPI_CONNECT_B3, CAPI_RESP, m->Messagenumber, ncci_a);
	c.Reject = 0;
	put(&c, "connect_b3_resp");
	respond(a, expect(a, CAPI_CONNECT_B3_ACTIVE, CAPI_IND, "b3_active_a"));
	respond(b, expect(b, CAPI_CONNECT_B3_ACTIVE, CAPI_IND, "b3_active_b"));
	printf("b3_active=1\n");

	unsigned char data[160];
	for (int i = 0; i < 160; i++)
		data[i] = (unsigned char)(i * 7);
	capi_cmsg_header(&c, b, CAPI_DATA_B3, CAPI_REQ, num++, ncci_b);
	c.Data = data;
	c.DataLength = sizeof data;
	c.DataHandle = 42;
	put(&c, "data_b3_req");
	m = expect(b, CAPI_DATA_B3, CAPI_CONF, "data_b3_conf");
	printf("data_conf=%#x handle=%u\n", m->Info, m->DataHandle);
	m = expect(a, CAPI_DATA_B3, CAPI_IND, "data_b3_ind");
	unsigned sum = 0;
	for (int i = 0; i < m->DataLength; i++)
		sum = sum * 31 + ((unsigned char *)m->Data)[i];
	printf("data_len=%u\ndata_sum=%u\n", m->DataLength, sum);
	capi_cmsg_header(&c, a, CAPI_DATA_B3, CAPI_RESP, m->Messagenumber, ncci_a);
	c.DataHandle = m->DataHandle;
	put(&c, "data_b3_resp");

	/* DTMF from B: "5#" reaches A as a FACILITY_IND. */
	unsigned char dtmf[] = { 9, 3, 0, 80, 0, 80, 0, 2, '5', '#' };
	capi_cmsg_header(&c, b, CAPI_FACILITY, CAPI_REQ, num++, plci_b);
	c.FacilitySelector = 1;
	c.FacilityRequestParameter = dtmf;
	put(&c, "facility_req");
	printf("facility_conf=%#x\n", expect(b, CAPI_FACILITY, CAPI_CONF, "facility_conf")->Info);
	m = expect(a, CAPI_FACILITY, CAPI_IND, "facility_ind");
	hex("dtmf", m->FacilityIndicationParameter);
	capi_cmsg_header(&c, a, CAPI_FACILITY, CAPI_RESP, m->Messagenumber, plci_a);
	c.FacilitySelector = 1;
	put(&c, "facility_resp");

	/* B hangs up. */
	capi_cmsg_header(&c, b, CAPI_DISCONNECT, CAPI_REQ, num++, plci_b);
	put(&c, "disconnect_req");
	printf("disconnect_conf=%#x\n", expect(b, CAPI_DISCONNECT, CAPI_CONF, "disconnect_conf")->Info);
	respond(b, expect(b, CAPI_DISCONNECT_B3, CAPI_IND, "disc_b3_b"));
	m = expect(b, CAPI_DISCONNECT, CAPI_IND, "disc_b");
	printf("reason_b=%#x\n", m->Reason);
	respond(b, m);
	respond(a, expect(a, CAPI_DISCONNECT_B3, CAPI_IND, "disc_b3_a"));
	m = expect(a, CAPI_DISCONNECT, CAPI_IND, "disc_a");
	printf("reason_a=%#x\n", m->Reason);
	respond(a, m);

	/* A refused number. */
	unsigned char refused[] = { 4, 0x80, '9', '9', '9' };
	capi_cmsg_header(&c, b, CAPI_CONNECT, CAPI_REQ, num++, 1);
	c.CIPValue = 4;
	c.CalledPartyNumber = refused;
	put(&c, "connect_req_2");
	expect(b, CAPI_CONNECT, CAPI_CONF, "connect_conf_2");
	m = expect(b, CAPI_DISCONNECT, CAPI_IND, "refused");
	printf("reason_refused=%#x\n", m->Reason);
	respond(b, m);

	printf("release=%#x\n", capi20_release(b) | capi20_release(a));
	printf("done=1\n");
	return 0;
}
