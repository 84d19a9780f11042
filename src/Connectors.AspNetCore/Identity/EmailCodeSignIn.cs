using Connectors.Abstractions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Connectors.AspNetCore;

/// <summary>How <see cref="EmailCodeSignIn{TUser}"/> signs users in (<c>AddEmailCodeSignIn</c>).</summary>
public sealed class EmailCodeSignInOptions
{
    /// <summary>Whether a right code for an address no account has creates the account (user name and email the
    /// address, email confirmed). Default true; false answers <see cref="EmailCodeSignInStatus.NoAccount"/>.</summary>
    public bool CreateUsers { get; set; } = true;

    /// <summary>The usage type every code is mailed and verified with, whether the address has an account or not, so
    /// neither the mail nor the answer tells; default <see cref="UsageType.SignIn"/>. Its delivery should read for
    /// both ("your sign-in code"), not "welcome back".</summary>
    public UsageType UsageType { get; set; } = UsageType.SignIn;

    /// <summary>The authentication method recorded with the sign-in (Identity's <c>amr</c> claim); default <c>otp</c>
    /// (RFC 8176: a one-time password).</summary>
    public string AuthenticationMethod { get; set; } = "otp";
}

/// <summary>What <see cref="EmailCodeSignIn{TUser}.SignInAsync"/> did.</summary>
public enum EmailCodeSignInStatus
{
    /// <summary>Signed in (with Identity's application cookie); <see cref="EmailCodeSignInResult{TUser}.Created"/> says whether the account is new.</summary>
    SignedIn,

    /// <summary>A wrong code; <see cref="EmailCodeSignInResult{TUser}.AttemptsLeft"/> tries remain.</summary>
    WrongCode,

    /// <summary>The code expired: send a new one.</summary>
    Expired,

    /// <summary>Too many wrong codes: locked for the code lifetime.</summary>
    Locked,

    /// <summary>No code is pending for the address (never sent, used, or its send failed).</summary>
    NoCode,

    /// <summary>The right code, but no account has the address and <see cref="EmailCodeSignInOptions.CreateUsers"/> is
    /// false. Telling this reveals nothing: only the address's owner has the code.</summary>
    NoAccount,

    /// <summary>The right code, but the account may not sign in: locked out, refused by Identity's sign-in rules, or
    /// (a new account) refused by its validators (<see cref="EmailCodeSignInResult{TUser}.Errors"/>).</summary>
    NotAllowed,

    /// <summary>The right code, but the account has two-factor sign-in on: a mailed code is one factor, so the user is
    /// not signed in; the host continues with its second factor for <see cref="EmailCodeSignInResult{TUser}.User"/>.</summary>
    RequiresTwoFactor,
}

/// <summary>The outcome of <see cref="EmailCodeSignIn{TUser}.SignInAsync"/>.</summary>
/// <param name="Status">What happened.</param>
public sealed record EmailCodeSignInResult<TUser>(EmailCodeSignInStatus Status)
    where TUser : class
{
    /// <summary>The account, once the code was right and it exists (or was created).</summary>
    public TUser? User { get; init; }

    /// <summary>Whether this sign-in created the account.</summary>
    public bool Created { get; init; }

    /// <summary>Wrong codes still allowed, for <see cref="EmailCodeSignInStatus.WrongCode"/>.</summary>
    public int AttemptsLeft { get; init; }

    /// <summary>Why Identity refused to create the account, for <see cref="EmailCodeSignInStatus.NotAllowed"/>.</summary>
    public IReadOnlyList<IdentityError> Errors { get; init; } = [];
}

/// <summary>
/// Passwordless sign-in to ASP.NET Core Identity with a mailed code, without telling anyone whether an address has an
/// account: <see cref="SendCodeAsync"/> never looks the address up and sends the same mail (one usage type) either
/// way, so its answer and its work are the same for a known and an unknown address; the account is looked up only
/// after the right code, which only the address's owner has. Then the user is signed in with Identity's application
/// cookie, and created on first use when <see cref="EmailCodeSignInOptions.CreateUsers"/>. The code's lifecycle and
/// limits are <see cref="VerificationCodeService"/>'s (expiry, one use, wrong-attempt lock, cooldown and caps).
/// </summary>
/// <remarks>An existing account whose email is not confirmed gets it confirmed by the right code, and loses any
/// password, external logins and other sessions (its security stamp changes): whoever set them never proved the
/// address, so an account made in a stranger's name in advance is not handed back to its maker. The account of an
/// address is Identity's <c>FindByEmailAsync</c>: keep one account per address (Identity's
/// <see cref="UserOptions.RequireUniqueEmail"/>, or store an email only once it is proven, as this sign-in does).</remarks>
/// <typeparam name="TUser">Identity's user type.</typeparam>
public sealed class EmailCodeSignIn<TUser>
    where TUser : class, new()
{
    private readonly VerificationCodeService _codes;
    private readonly IdentityEmailConnector _mail;
    private readonly UserManager<TUser> _users;
    private readonly SignInManager<TUser> _signIn;
    private readonly IUserStore<TUser> _store;
    private readonly EmailCodeSignInOptions _options;

    internal EmailCodeSignIn(VerificationCodeService codes, IdentityEmailConnector mail, UserManager<TUser> users, SignInManager<TUser> signIn, IUserStore<TUser> store, EmailCodeSignInOptions options)
    {
        _codes = codes;
        _mail = mail;
        _users = users;
        _signIn = signIn;
        _store = store;
        _options = options;
    }

    /// <summary>Mails a code to <paramref name="email"/>, whether or not an account has it.</summary>
    /// <param name="email">The address the user typed.</param>
    /// <param name="clientAddress">The asking client's address (IP), for the per-client cap.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <exception cref="ConnectorException">As <see cref="VerificationCodeService.SendAsync"/>: over a limit
    /// (<see cref="ConnectorErrorCode.RateLimitExceeded"/>), not one address, or the provider refused.</exception>
    public Task<CodeSent> SendCodeAsync(string email, string? clientAddress = null, CancellationToken cancellationToken = default) =>
        _codes.SendAsync(_mail.Connector, email, _options.UsageType, clientAddress, new EmailPayload { Locale = _mail.Locale }, cancellationToken);

    /// <summary>Checks <paramref name="code"/> for <paramref name="email"/>; when right, signs its account in
    /// (creating it when allowed).</summary>
    /// <param name="email">The address the code was sent to.</param>
    /// <param name="code">The code the user typed.</param>
    /// <param name="isPersistent">Whether the sign-in cookie outlives the browser session.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <exception cref="ConnectorException"><see cref="ConnectorErrorCode.InvalidRequestParameters"/> for anything but one address.</exception>
    public async Task<EmailCodeSignInResult<TUser>> SignInAsync(string email, string code, bool isPersistent = false, CancellationToken cancellationToken = default)
    {
        var verification = await _codes.VerifyAsync(email, _options.UsageType, code, cancellationToken).ConfigureAwait(false);
        switch (verification.Result)
        {
            case VerificationResult.Wrong:
                return new(EmailCodeSignInStatus.WrongCode) { AttemptsLeft = verification.AttemptsLeft };
            case VerificationResult.Expired:
                return new(EmailCodeSignInStatus.Expired);
            case VerificationResult.Locked:
                return new(EmailCodeSignInStatus.Locked);
            case VerificationResult.NonePending:
                return new(EmailCodeSignInStatus.NoCode);
        }

        var address = VerificationCodeService.NormalizeRecipient(email);
        var emails = (IUserEmailStore<TUser>)_store; // checked at start
        var user = await _users.FindByEmailAsync(address).ConfigureAwait(false);
        var created = false;
        if (user is null)
        {
            if (!_options.CreateUsers)
            {
                return new(EmailCodeSignInStatus.NoAccount);
            }

            user = new TUser();
            await _store.SetUserNameAsync(user, address, cancellationToken).ConfigureAwait(false);
            await emails.SetEmailAsync(user, address, cancellationToken).ConfigureAwait(false);
            await emails.SetEmailConfirmedAsync(user, true, cancellationToken).ConfigureAwait(false);
            var result = await _users.CreateAsync(user).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                return new(EmailCodeSignInStatus.NotAllowed) { Errors = [.. result.Errors] };
            }

            created = true;
        }
        else if (!await _users.IsEmailConfirmedAsync(user).ConfigureAwait(false))
        {
            var result = await ReclaimAsync(user, emails, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                return new(EmailCodeSignInStatus.NotAllowed) { User = user, Errors = [.. result.Errors] };
            }
        }

        if (await _users.IsLockedOutAsync(user).ConfigureAwait(false) || !await _signIn.CanSignInAsync(user).ConfigureAwait(false))
        {
            return new(EmailCodeSignInStatus.NotAllowed) { User = user };
        }

        if (_users.SupportsUserTwoFactor && await _users.GetTwoFactorEnabledAsync(user).ConfigureAwait(false))
        {
            return new(EmailCodeSignInStatus.RequiresTwoFactor) { User = user };
        }

        await _signIn.SignInAsync(user, isPersistent, _options.AuthenticationMethod).ConfigureAwait(false);
        return new(EmailCodeSignInStatus.SignedIn) { User = user, Created = created };
    }

    /// <summary>The address's owner takes over an account that claimed it unproven: the email is confirmed, and the
    /// password, the external logins and (with a new security stamp) the sessions that someone else may have set up
    /// are gone.</summary>
    private async Task<IdentityResult> ReclaimAsync(TUser user, IUserEmailStore<TUser> emails, CancellationToken cancellationToken)
    {
        await emails.SetEmailConfirmedAsync(user, true, cancellationToken).ConfigureAwait(false);
        if (_users.SupportsUserLogin)
        {
            foreach (var login in await _users.GetLoginsAsync(user).ConfigureAwait(false))
            {
                var removed = await _users.RemoveLoginAsync(user, login.LoginProvider, login.ProviderKey).ConfigureAwait(false);
                if (!removed.Succeeded)
                {
                    return removed;
                }
            }
        }

        return _users.SupportsUserPassword && await _users.HasPasswordAsync(user).ConfigureAwait(false)
            ? await _users.RemovePasswordAsync(user).ConfigureAwait(false) // saves, with a new security stamp
            : await _users.UpdateSecurityStampAsync(user).ConfigureAwait(false);
    }
}

/// <summary>Checks at start what <see cref="EmailCodeSignIn{TUser}"/> needs.</summary>
internal sealed class EmailCodeSignInOptionsValidator<TUser>(IServiceScopeFactory scopes) : IValidateOptions<EmailCodeSignInOptions>
    where TUser : class
{
    public ValidateOptionsResult Validate(string? name, EmailCodeSignInOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.AuthenticationMethod))
        {
            problems.Add("EmailCodeSignInOptions.AuthenticationMethod is required (e.g. otp).");
        }

        using var scope = scopes.CreateScope();
        if (scope.ServiceProvider.GetService<VerificationCodeService>() is null)
        {
            problems.Add("AddEmailCodeSignIn needs the verification codes: call services.AddConnectors().AddVerificationCodes().");
        }

        if (scope.ServiceProvider.GetService<SignInManager<TUser>>() is null)
        {
            problems.Add($"AddEmailCodeSignIn needs ASP.NET Core Identity for {typeof(TUser).Name} with a sign-in manager (AddIdentity, or AddIdentityCore().AddSignInManager()).");
        }
        else if (scope.ServiceProvider.GetRequiredService<IUserStore<TUser>>() is not IUserEmailStore<TUser>)
        {
            problems.Add($"AddEmailCodeSignIn needs a user store that keeps emails (IUserEmailStore<{typeof(TUser).Name}>).");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
