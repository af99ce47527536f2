// Signs a player in by device id through the gateway and reads the account back with the new token.
// Usage: device_auth <gateway host:port> <api key> <device id>
// Prints one JSON line; on an RPC error prints {"code": N, "message": "..."} and exits 3.
#include <iostream>
#include <string>

#include "playmesh/client.h"
#include "playmesh/core/v1/core_service.grpc.pb.h"

namespace core = playmesh::core::v1;

static int Fail(const grpc::Status& status) {
  std::cout << "{\"code\": " << status.error_code() << ", \"message\": \"" << status.error_message() << "\"}" << std::endl;
  return 3;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: device_auth <gateway host:port> <api key> <device id>" << std::endl;
    return 2;
  }
  auto stub = core::CoreService::NewStub(playmesh::Connect(argv[1]));
  playmesh::Credentials credentials{argv[2], ""};

  core::AuthenticateDeviceRequest request;
  request.set_device_id(argv[3]);
  request.set_create(true);
  core::AuthenticateDeviceResponse auth;
  grpc::ClientContext auth_context;
  playmesh::Authorize(auth_context, credentials);
  if (auto status = stub->AuthenticateDevice(&auth_context, request, &auth); !status.ok()) return Fail(status);

  credentials.bearer_token = auth.tokens().access_token();
  core::GetAccountResponse account;
  grpc::ClientContext account_context;
  playmesh::Authorize(account_context, credentials);
  if (auto status = stub->GetAccount(&account_context, core::GetAccountRequest(), &account); !status.ok()) return Fail(status);

  std::cout << "{\"player_id\": \"" << account.player().id() << "\", \"display_name\": \"" << account.player().display_name()
            << "\", \"created\": " << (auth.created() ? "true" : "false") << "}" << std::endl;
  return 0;
}
