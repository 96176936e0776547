// A sale on a worker TThread, the pattern for a GUI: mpp_charge blocks its thread, the status
// callback runs on that worker thread and hands each status to the main thread with
// TThread.Queue, and the main thread (the cashier's Cancel button) stops a second sale with
// mpp_cancel_token_cancel. Also converts Delphi's Currency to the library's amounts, exactly.
//
// cthreads MUST come first in the uses clause under Free Pascal on Linux/macOS: without it the
// first thread stops the program with "Runtime error 232".
//
//   Free Pascal, after install.sh (into ~/.local; tests/run_pascal.sh runs this line as written,
//   -FU. puts the compiled unit here, not in the installed unit's folder):
//   fpc -Mdelphi -Fu$HOME/.local/pascal -FU. -Fl$HOME/.local/lib -k-rpath -k$HOME/.local/lib sale_thread.dpr
//   Delphi: add mppoint.pas to the project (a VCL/FMX program has its own message loop: drop
//   the CheckSynchronize loop below).
program sale_thread;

{$IFDEF FPC}{$mode delphi}{$ENDIF}
{$APPTYPE CONSOLE}

uses
  {$IFDEF UNIX}cthreads,{$ENDIF}
  Classes, SysUtils, mppoint;

type
  // One status, carried to the main thread (a new object per status: the next one cannot
  // overwrite it before the main thread shows it).
  TStatusMessage = class
    Status: AnsiString;
    procedure Show;
  end;

  TSaleThread = class(TThread)
  public
    Client: Pmpp_client;
    Amount: AnsiString;
    Token: Pmpp_cancel_token;
    Outcome: mpp_result;
    Verdict: mpp_verdict;
    IntentId: AnsiString;
  protected
    procedure Execute; override;
  end;

var
  Failures: Integer = 0;
  Checks: Integer = 0;
  OnTerminalSeen: Boolean = False;   // written on the main thread only (by TStatusMessage.Show)

procedure Check(Ok: Boolean; const What: string);
begin
  Inc(Checks);
  if Ok then WriteLn('ok: ', What) else begin WriteLn('FAILED: ', What); Inc(Failures); end;
end;

procedure TStatusMessage.Show;  // runs on the main thread: here a GUI may touch its controls
begin
  WriteLn('  [main thread] intent is ', Status);
  if Status = 'ON_TERMINAL' then OnTerminalSeen := True;
  Free;
end;

// Runs on the worker thread that waits: never touch the UI here, queue to the main thread.
procedure OnStatus(Status: PAnsiChar; UserData: Pointer); cdecl;
var
  Msg: TStatusMessage;
begin
  Msg := TStatusMessage.Create;
  Msg.Status := AnsiString(Status);
  TThread.Queue(nil, Msg.Show);
end;

procedure TSaleThread.Execute;
var
  Request: Pmpp_intent_request;
  Options: Pmpp_wait_options;
  Sale: Pmpp_sale;
  Err: Pmpp_error;
begin
  Request := nil; Options := nil; Sale := nil; Err := nil;
  Outcome := mpp_intent_request_new(PAnsiChar(Amount), 'Sale on a thread', 'thread-sale', @Request, @Err);
  if Outcome = MPP_RESULT_OK then Outcome := mpp_wait_options_new(@Options, @Err);
  if Outcome = MPP_RESULT_OK then Outcome := mpp_wait_options_set_poll_interval_ms(Options, 50, @Err);
  if Outcome = MPP_RESULT_OK then Outcome := mpp_wait_options_set_on_status(Options, OnStatus, nil, @Err);
  if (Outcome = MPP_RESULT_OK) and (Token <> nil) then
    Outcome := mpp_wait_options_set_cancel_token(Options, Token, @Err);
  if Outcome = MPP_RESULT_OK then
    Outcome := mpp_charge(Client, MPP_TARGET_POS, 'SUC001POS001', Request, Options, @Sale, @Err);
  if Outcome = MPP_RESULT_OK then
    Verdict := mpp_sale_verdict(Sale)
  else if (Err <> nil) and (mpp_error_intent_id(Err) <> nil) then
    IntentId := AnsiString(mpp_error_intent_id(Err));  // canceled: the intent is still there
  mpp_sale_free(Sale);
  mpp_error_free(Err);
  mpp_wait_options_free(Options);
  mpp_intent_request_free(Request);
end;

// Runs a sale on a worker; the main thread shows the queued statuses until it ends, and calls
// WhileWaiting (the cashier) on each turn.
function RunSale(Client: Pmpp_client; const Amount: AnsiString; Token: Pmpp_cancel_token;
  WhileWaiting: TThreadMethod): TSaleThread;
begin
  Result := TSaleThread.Create(True);
  Result.Client := Client;
  Result.Amount := Amount;
  Result.Token := Token;
  Result.FreeOnTerminate := False;
  Result.Start;
  while not Result.Finished do
  begin
    CheckSynchronize(20);
    if Assigned(WhileWaiting) then WhileWaiting;
  end;
  Result.WaitFor;
  CheckSynchronize(0);  // the last statuses queued before the thread ended
end;

type
  TCashier = class
    Token: Pmpp_cancel_token;
    Pressed: Boolean;
    procedure PressCancelOnceOnTerminal;
  end;

procedure TCashier.PressCancelOnceOnTerminal;
begin
  if OnTerminalSeen and not Pressed then
  begin
    WriteLn('  [main thread] the cashier presses Cancel');
    mpp_cancel_token_cancel(Token);
    Pressed := True;
  end;
end;

var
  Sim: Pmpp_simulator = nil;
  Config: Pmpp_config = nil;
  Client: Pmpp_client = nil;
  Err: Pmpp_error = nil;
  Token: Pmpp_cancel_token = nil;
  Worker: TSaleThread;
  Cashier: TCashier;
  Price, Back: Currency;
  Cents: Int64;
  Amount: AnsiString;
begin
  // Currency <-> amounts, exact.
  Price := 12.47;
  Check(MppCurrencyToCents(Price, Cents) and (Cents = 1247), 'Currency 12.47 is 1247 cents');
  Check(MppCurrencyToAmount(Price, Amount) and (Amount = '12.47'), 'Currency 12.47 is the amount ''12.47''');
  Check(MppCurrencyToAmount(0.05, Amount) and (Amount = '0.05'), 'Currency 0.05 is ''0.05''');
  Check(MppCurrencyToAmount(-3.1, Amount) and (Amount = '-3.10'), 'Currency -3.1 is ''-3.10''');
  Check(not MppCurrencyToCents(12.475, Cents) and (Cents = 0), 'a fraction of a cent is refused, not rounded');
  Check(MppCentsToCurrency(92233720368547, Back) and (Back = 922337203685.47), 'cents back to Currency');
  Check(not MppCentsToCurrency(High(Int64), Back), 'cents beyond Currency''s range are refused');
  Check(MppCurrencyToAmount(922337203685477.58, Amount) and (Amount = '922337203685477.58'), 'the largest Currency, exactly');

  if (mpp_simulator_start(nil, @Sim, @Err) <> MPP_RESULT_OK) or
     (mpp_simulator_client_config(Sim, @Config, @Err) <> MPP_RESULT_OK) or
     (mpp_client_new(Config, @Client, @Err) <> MPP_RESULT_OK) then
  begin
    WriteLn('FAILED: ', mpp_error_message(Err));
    Halt(1);
  end;

  // 1. A sale of Price on a worker thread: approved.
  Check(MppCurrencyToAmount(Price, Amount), 'the price as an amount');
  Worker := RunSale(Client, Amount, nil, nil);
  Check((Worker.Outcome = MPP_RESULT_OK) and (Worker.Verdict = MPP_VERDICT_APPROVED),
    'the sale on a TThread is APPROVED (' + string(mpp_result_str(Worker.Outcome)) + ')');
  Worker.Free;

  // 2. A sale the cashier cancels from the main thread: .44 waits on the terminal for a card.
  mpp_cancel_token_new(@Token, nil);
  Cashier := TCashier.Create;
  Cashier.Token := Token;
  Worker := RunSale(Client, '10.44', Token, Cashier.PressCancelOnceOnTerminal);
  Check(Cashier.Pressed and (Worker.Outcome = MPP_RESULT_CANCELED),
    'the wait stopped with CANCELED (' + string(mpp_result_str(Worker.Outcome)) + ')');
  Check(Worker.IntentId <> '', 'the canceled wait names its intent');
  // The intent is still on the terminal: cancel it there (the simulator plays the terminal).
  Check(mpp_simulator_cancel_on_terminal(Sim, PAnsiChar(Worker.IntentId), nil) = MPP_RESULT_OK,
    'the intent is canceled on the terminal');
  Worker.Free;
  Cashier.Free;

  mpp_cancel_token_free(Token);
  mpp_client_free(Client);
  mpp_config_free(Config);
  mpp_simulator_stop(Sim);
  WriteLn(Checks - Failures, ' passed, ', Failures, ' failed');
  if Failures > 0 then Halt(1);
end.
