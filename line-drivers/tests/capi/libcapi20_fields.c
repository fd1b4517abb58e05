/*
 * Reads CAPI 2.0 messages as hex, one a line, on stdin. For each, Debian's
 * libcapi20 decodes it (capi_message2cmsg) and encodes what it read again
 * (capi_cmsg2message); the program prints one line: the re-encoded octets
 * as hex, then every field of libcapi20's _cmsg as key=value (structs as
 * the hex of their contents, "-" for none). line-drivers/tests/
 * capi_libcapi20.rs compiles it with cc and compares both with what our
 * codec meant.
 */
#include <stdio.h>
#include <string.h>
#include <capiutils.h>

static void hex(const unsigned char *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static void cstruct(const char *name, _cstruct s)
{
	printf(" %s=", name);
	if (!s) {
		printf("-");
		return;
	}
	if (s[0] == 0xff)
		hex(s + 3, s[1] | (s[2] << 8));
	else
		hex(s + 1, s[0]);
}

#define U(name) printf(" " #name "=%llu", (unsigned long long)c.name)
#define S(name) cstruct(#name, c.name)

int main(void)
{
	char line[8192];
	while (fgets(line, sizeof line, stdin)) {
		unsigned char in[4096], out[4096];
		unsigned n = 0;
		_cmsg c;
		memset(in, 0, sizeof in);
		memset(out, 0, sizeof out);
		for (char *p = line; p[0] && p[1] && p[0] != '\n'; p += 2) {
			unsigned v;
			if (sscanf(p, "%2x", &v) != 1 || n >= sizeof in)
				return 2;
			in[n++] = v;
		}
		memset(&c, 0, sizeof c);
		unsigned e1 = capi_message2cmsg(&c, in);
		unsigned e2 = capi_cmsg2message(&c, out);
		printf("decode=%u encode=%u bytes=", e1, e2);
		hex(out, out[0] | (out[1] << 8));
		U(ApplId); U(Command); U(Subcommand); U(Messagenumber);
		printf(" adr=%llu", (unsigned long long)c.adr.adrController);
		U(AdditionalInfo); S(B1configuration); U(B1protocol);
		S(B2configuration); U(B2protocol); S(B3configuration); U(B3protocol);
		S(BC); S(BChannelinformation); U(BProtocol); S(CalledPartyNumber);
		S(CalledPartySubaddress); S(CallingPartyNumber); S(CallingPartySubaddress);
		U(CIPmask); U(CIPmask2); U(CIPValue); U(Class); S(ConnectedNumber);
		S(ConnectedSubaddress); U(Data32); U(Data64); U(DataHandle); U(DataLength);
		S(FacilityConfirmationParameter); S(Facilitydataarray);
		S(FacilityIndicationParameter); S(FacilityRequestParameter);
		S(FacilityResponseParameters); U(FacilitySelector); U(Flags); U(Function);
		S(Globalconfiguration); S(HLC); U(Info); S(InfoElement); U(InfoMask);
		U(InfoNumber); S(Keypadfacility); S(LLC); S(ManuData); U(ManuID); S(NCPI);
		U(Reason); U(Reason_B3); U(Reject); S(Useruserdata); S(SendingComplete);
		printf("\n");
		fflush(stdout);
	}
	return 0;
}
