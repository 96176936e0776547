// A sale, a cancel, a webhook check and a receipt printed on the terminal from Delphi or Free Pascal, against the simulator that
// libmppoint carries (no terminal needed).
//
//   Free Pascal, after the bundle's install.sh (into ~/.local; tests/run_pascal.sh runs this line
//   as written; -FU. writes the compiled unit here, not into the installed unit's folder):
//   fpc -Mdelphi -Fu$HOME/.local/pascal -FU. -Fl$HOME/.local/lib -k-rpath -k$HOME/.local/lib sale.dpr
//   Delphi:      add mppoint.pas to the project; put mppoint.dll (x86 or x64, as the program)
//                beside the .exe.
//
// Against Mercado Pago, skip the simulator: mpp_config_new('APP_USR-...') instead of
// mpp_simulator_client_config. In a GUI, run mpp_charge on a TThread: the status callback runs on
// that thread, so it must hand the status to the UI with TThread.Queue (see ShowStatus).
program sale;

{$IFDEF FPC}{$mode delphi}{$ENDIF}
{$APPTYPE CONSOLE}

uses
  SysUtils, mppoint;

var
  Failures: Integer = 0;
  Passed: Integer = 0;

// Prints an error (and frees it); counts a failure.
procedure Fail(const What: string; Err: Pmpp_error);
begin
  WriteLn('FAILED: ', What, ': ', mpp_error_code_name(Err), ': ', mpp_error_message(Err));
  mpp_error_free(Err);
  Inc(Failures);
end;

procedure Check(Ok: Boolean; const What: string);
begin
  if Ok then
  begin
    WriteLn('ok: ', What);
    Inc(Passed);
  end
  else
  begin
    WriteLn('FAILED: ', What);
    Inc(Failures);
  end;
end;

// The status callback: cdecl, and it runs on the thread that waits. In a VCL/FMX program do not
// touch the UI here: TThread.Queue(nil, procedure begin Label1.Caption := S end).
procedure ShowStatus(Status: PAnsiChar; UserData: Pointer); cdecl;
begin
  WriteLn('  [', PAnsiChar(UserData), '] intent is ', Status);
end;

var
  Sim: Pmpp_simulator = nil;
  Config: Pmpp_config = nil;
  Client: Pmpp_client = nil;
  Request: Pmpp_intent_request = nil;
  Options: Pmpp_wait_options = nil;
  Sale: Pmpp_sale = nil;
  Intent: Pmpp_intent = nil;
  Again: Pmpp_intent = nil;
  Err: Pmpp_error = nil;
  Signature: PAnsiChar = nil;
  Reason: mpp_webhook_failure = 0;
  Id: UTF8String;
  R: mpp_result;
  Till: UTF8String = 'till 1';
  Receipt: Pmpp_print_text = nil;
  Action: Pmpp_print_action = nil;
  Tagged: PAnsiChar = nil;
  PrintStatus: mpp_print_status = 0;
  Deadline: TDateTime;
begin
  WriteLn('libmppoint ', mpp_version(), ' (unit generated from header ', MPPOINT_HEADER_VERSION, ')');

  // A simulator, and a client for it.
  if mpp_simulator_start(nil, @Sim, @Err) <> MPP_RESULT_OK then
  begin
    Fail('starting the simulator', Err);
    Halt(1);
  end;
  WriteLn('simulator at ', mpp_simulator_base_url(Sim));
  if (mpp_simulator_client_config(Sim, @Config, @Err) <> MPP_RESULT_OK) or
     (mpp_config_set_site(Config, MPP_SITE_MLB, @Err) <> MPP_RESULT_OK) or
     (mpp_client_new(Config, @Client, @Err) <> MPP_RESULT_OK) then
  begin
    Fail('making the client', Err);
    Halt(1);
  end;

  // 1. A sale of 12.47: approved.
  if (mpp_intent_request_new('12.47', 'Sale 123', 'order-123', @Request, @Err) <> MPP_RESULT_OK) or
     (mpp_wait_options_new(@Options, @Err) <> MPP_RESULT_OK) or
     (mpp_wait_options_set_poll_interval_ms(Options, 50, @Err) <> MPP_RESULT_OK) or
     (mpp_wait_options_set_timeout_ms(Options, 60000, @Err) <> MPP_RESULT_OK) or
     (mpp_wait_options_set_on_status(Options, ShowStatus, PAnsiChar(Till), @Err) <> MPP_RESULT_OK) then
    Fail('preparing the sale', Err)
  else if mpp_charge(Client, MPP_TARGET_POS, 'SUC001POS001', Request, Options, @Sale, @Err) <> MPP_RESULT_OK then
    Fail('mpp_charge', Err)
  else
  begin
    WriteLn('sale: verdict ', mpp_verdict_str(mpp_sale_verdict(Sale)));
    Check(mpp_sale_is_paid(Sale) and (mpp_sale_verdict(Sale) = MPP_VERDICT_APPROVED), 'the sale of 12.47 is paid');
    if mpp_sale_is_paid(Sale) then
      WriteLn('paid: payment ', mpp_payment_id(mpp_sale_approved_payment(Sale)));
  end;
  mpp_sale_free(Sale);
  mpp_intent_request_free(Request);
  Request := nil;

  // 2. A cancel: .99 is never picked up by the terminal, so the intent stays OPENED and can be
  //    canceled through the API.
  if (mpp_intent_request_new('30.99', 'Sale 124', 'order-124', @Request, @Err) <> MPP_RESULT_OK) or
     (mpp_intent_create_for_pos(Client, 'SUC001POS002', Request, @Intent, @Err) <> MPP_RESULT_OK) then
    Fail('creating the intent to cancel', Err)
  else
  begin
    Id := UTF8String(mpp_intent_id(Intent));
    WriteLn('created intent ', Id, ', status ', mpp_status_str(mpp_intent_status(Intent)));
    if mpp_intent_cancel(Client, PAnsiChar(Id), @Err) <> MPP_RESULT_OK then
      Fail('mpp_intent_cancel', Err)
    else if mpp_intent_get(Client, PAnsiChar(Id), @Again, @Err) <> MPP_RESULT_OK then
      Fail('mpp_intent_get', Err)
    else
    begin
      WriteLn('after the cancel: ', mpp_status_str(mpp_intent_status(Again)));
      Check(mpp_intent_status(Again) = MPP_STATUS_CANCELED, 'the intent is CANCELED');
    end;
  end;
  mpp_intent_free(Again);
  mpp_intent_free(Intent);
  mpp_intent_request_free(Request);

  // 3. A webhook: a signature made with the secret verifies; the same with another secret does not.
  if mpp_webhook_sign('my-webhook-secret', 'intent-123', 'req-42', 1700000000, @Signature, @Err) <> MPP_RESULT_OK then
    Fail('mpp_webhook_sign', Err)
  else
  begin
    WriteLn('x-signature: ', Signature);
    R := mpp_webhook_verify('my-webhook-secret', Signature, 'req-42', 'intent-123', 0, 0, @Reason, @Err);
    if R <> MPP_RESULT_OK then Fail('mpp_webhook_verify', Err);
    Check(R = MPP_RESULT_OK, 'a signed notification verifies');
    R := mpp_webhook_verify('another-secret', Signature, 'req-42', 'intent-123', 0, 0, @Reason, nil);
    WriteLn('with another secret: ', mpp_result_str(R), ' (', mpp_webhook_failure_str(Reason), ')');
    Check((R = MPP_RESULT_INVALID_SIGNATURE) and (Reason = MPP_WEBHOOK_FAILURE_SIGNATURE_MISMATCH),
      'a wrong secret is refused as SIGNATURE_MISMATCH');
  end;
  mpp_string_free(Signature);

  // 4. The receipt, printed by the terminal's own printer. The builder escapes the POS's text
  //    (braces become parentheses), so a customer's name cannot add a print tag. The terminal
  //    fetches the action by itself: read it until it is final.
  if (mpp_print_text_new(@Receipt, @Err) <> MPP_RESULT_OK) or
     (mpp_print_text_center_wide(Receipt, 'Loja Centro', @Err) <> MPP_RESULT_OK) or
     (mpp_print_text_line(Receipt, 'Sale 123: 12.47', @Err) <> MPP_RESULT_OK) or
     (mpp_print_text_bold(Receipt, 'Customer: {b}Ana{/b}', @Err) <> MPP_RESULT_OK) or
     (mpp_print_text_qr(Receipt, 'https://example.com/r/123', @Err) <> MPP_RESULT_OK) or
     (mpp_print_text_build(Receipt, @Tagged, @Err) <> MPP_RESULT_OK) then
    Fail('building the receipt', Err)
  else if mpp_client_print_text(Client, 'PAX_A910__SMARTPOS0000000001', 'receipt-123', Receipt, nil,
                                @Action, @Err) <> MPP_RESULT_OK then
    Fail('mpp_client_print_text', Err)
  else
  begin
    WriteLn('receipt: ', Tagged);
    Id := UTF8String(mpp_print_action_id(Action));
    WriteLn('print action ', Id, ', status ', mpp_print_action_status_str(Action));
    Deadline := Now + 60 / 86400;
    repeat
      mpp_print_action_free(Action);
      Action := nil;
      if mpp_client_print_action(Client, PAnsiChar(Id), @Action, @Err) <> MPP_RESULT_OK then
      begin
        Fail('mpp_client_print_action', Err);
        Break;
      end;
      PrintStatus := mpp_print_action_status(Action);
      if not mpp_print_action_is_final(Action) then Sleep(50);
    until mpp_print_action_is_final(Action) or (Now > Deadline);
    WriteLn('printed: ', mpp_print_status_str(PrintStatus));
    Check((PrintStatus = MPP_PRINT_STATUS_PROCESSED) and (Pos('(b)Ana(/b)', string(Tagged)) > 0),
      'the receipt is printed, the customer''s braces escaped');
  end;
  mpp_print_action_free(Action);
  mpp_string_free(Tagged);
  mpp_print_text_free(Receipt);

  mpp_wait_options_free(Options);
  mpp_client_free(Client);
  mpp_config_free(Config);
  mpp_simulator_stop(Sim);
  WriteLn(Passed, ' passed, ', Failures, ' failed');
  if Failures > 0 then Halt(1);
end.
